import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StreamTableOptions } from '../server/src/stream/stream-table.js';
import { Cleanup, connectAdmin, createTopic, testKafka } from './fixtures.js';
import { brokers, uniqueTopic } from './kafka.js';
import {
  compileJavaProducer,
  type JavaRecord,
  produceWithJava,
} from './producers/java-producer.js';
import { runKcat } from './producers/kcat.js';
import { rowsByPartition } from './producers/stream-model.js';
import { openStream, SOURCES, type Via } from './stream-fixtures.js';

// Record times on real topics: a LogAppendTime topic, where the broker's clock replaces what
// the producer sent, and stream starts at a time, looked up by the broker (ListOffsets with a
// timestamp) over records the Java client wrote with chosen times. Both sources.

const T = Date.UTC(2025, 5, 1);

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const streamOf = (topic: string, via: Via, options: Partial<StreamTableOptions<string>> = {}) =>
  openStream(cleanup, topic, via, options);

/** `partition offset timestamp` of every record, as librdkafka reads them. */
async function kcatTimes(topic: string): Promise<Map<string, number>> {
  const args = ['-C', '-b', brokers()[0]!, '-t', topic, '-o', 'beginning', '-e', '-q'];
  args.push('-f', '%p %o %T\n');
  const output = await runKcat(args);
  const times = new Map<string, number>();
  for (const line of output.trim().split('\n')) {
    const [p, o, ts] = line.split(' ');
    times.set(`${p}:${o}`, Number(ts));
  }
  return times;
}

describe('a LogAppendTime topic', () => {
  let topic: string;
  let window: { before: number; after: number };
  const STEPS = 2;
  const PER_STEP = 20;

  beforeAll(async () => {
    await compileJavaProducer();
    const setup = new Cleanup();
    try {
      topic = uniqueTopic('stream-append-time');
      await createTopic(await connectAdmin(testKafka(brokers()), setup), topic, 2, {
        'cleanup.policy': 'delete',
        'message.timestamp.type': 'LogAppendTime',
      });
      const step = (n: number) => ({
        records: Array.from(
          { length: PER_STEP },
          (_, i): JavaRecord => ({
            key: `s${n}-${i}`,
            value: `step ${n} record ${i}`,
            partition: i % 2,
            // What the producer says; the broker overwrites it.
            timestamp: 1_000 + i,
          }),
        ),
      });
      const before = Date.now();
      await produceWithJava({
        bootstrap: brokers().join(','),
        jobs: [
          {
            topic,
            compression: 'gzip',
            // One batch per partition per step: a batch's records share the broker's time.
            config: { 'batch.size': String(1024 * 1024) },
            steps: Array.from({ length: STEPS }, (_, n) => step(n)),
          },
        ],
      });
      window = { before, after: Date.now() };
    } finally {
      await setup.dispose();
    }
  }, 60_000);

  for (const via of SOURCES) {
    it(`rows carry the broker's append time, one per batch, within the produce window (${via} source)`, async () => {
      const table = await streamOf(topic, via);
      const rows = [...table.snapshot().values()];
      expect(rows).toHaveLength(STEPS * PER_STEP);
      const kcat = await kcatTimes(topic);
      for (const row of rows) {
        expect(row.timestamp).toBeGreaterThanOrEqual(window.before);
        expect(row.timestamp).toBeLessThanOrEqual(window.after);
        expect(row.timestamp).toBe(kcat.get(`${row.partition}:${row.offset}`));
      }
      for (const [, list] of rowsByPartition(rows)) {
        for (let n = 0; n < STEPS; n++) {
          const batch = list.filter((r) => r.key!.startsWith(`s${n}-`));
          expect(batch).toHaveLength(PER_STEP / 2);
          expect(new Set(batch.map((r) => r.timestamp)).size).toBe(1);
        }
      }
    });
  }
});

describe('a stream that starts at a time', () => {
  let topic: string;
  // Partition 0 in time order; partition 1 out of order, as producers with skewed clocks write.
  const times = [
    [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000],
    [500, 5000, 2000, 7000, 3000, 9500],
  ].map((list) => list.map((t) => T + t));

  beforeAll(async () => {
    await compileJavaProducer();
    const setup = new Cleanup();
    try {
      topic = uniqueTopic('stream-start-time');
      await createTopic(await connectAdmin(testKafka(brokers()), setup), topic, 2, {
        'cleanup.policy': 'delete',
        'message.timestamp.before.max.ms': '9223372036854775807',
      });
      const records = times.flatMap((list, partition) =>
        list.map((timestamp, i) => ({
          key: `p${partition}-${i}`,
          value: 'v',
          partition,
          timestamp,
        })),
      );
      // Two steps, so the log holds several batches and the broker's time index has work.
      const half = Math.floor(records.length / 2);
      await produceWithJava({
        bootstrap: brokers().join(','),
        jobs: [
          {
            topic,
            compression: 'gzip',
            steps: [{ records: records.slice(0, half) }, { records: records.slice(half) }],
          },
        ],
      });
    } finally {
      await setup.dispose();
    }
  }, 60_000);

  /** Per partition, the offsets from the first record at or after `at` (in offset order). */
  function expectedOffsets(at: number): Map<number, number[]> {
    const expected = new Map<number, number[]>();
    times.forEach((list, partition) => {
      const first = list.findIndex((t) => t >= at);
      const offsets = first < 0 ? [] : list.map((_, i) => i).slice(first);
      if (offsets.length > 0) expected.set(partition, offsets);
    });
    return expected;
  }

  const CASES: Array<[string, number]> = [
    ['before every record', T - 1],
    // Negative times are sentinels to ListOffsets (-1 latest, -3 the max-timestamp record).
    ['before the epoch (-1)', -1],
    ['before the epoch (-3)', -3],
    ['between records', T + 2500],
    ['exactly at a record', T + 7000],
    ['past one partition, not the other', T + 9200],
  ];

  it('the model of where each case starts agrees with librdkafka (kcat -Q, offsetsForTimes)', async () => {
    for (const [, at] of CASES.filter(([, t]) => t >= 0)) {
      const args = ['-Q', '-b', brokers()[0]!, '-t', `${topic}:0:${at}`, '-t', `${topic}:1:${at}`];
      // Rejects unless kcat exits 0.
      const output = await runKcat(args);
      // "<topic> [<partition>] offset <n>", with -1 when no record is at or after the time.
      const found = new Map(
        [...output.matchAll(/\[(\d+)\] offset (-?\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]),
      );
      const model = expectedOffsets(at);
      expect(found).toEqual(new Map([0, 1].map((p) => [p, model.get(p)?.[0] ?? -1])));
    }
  });

  for (const via of SOURCES) {
    it.each(CASES)(
      `starts each partition at the first record at or after it: %s (${via} source)`,
      async (_, at) => {
        const table = await streamOf(topic, via, { start: { timestamp: at } });
        expect(table.status).toBe('caught_up');
        const got = new Map(
          [...rowsByPartition(table.snapshot().values())].map(([p, rows]) => [
            p,
            rows.map((r) => r.offset),
          ]),
        );
        expect(got).toEqual(expectedOffsets(at));
        for (const row of table.snapshot().values()) {
          expect(row.timestamp).toBe(times[row.partition]![row.offset]);
        }
        expect(table.position).toEqual([times[0]!.length, times[1]!.length]);
      },
    );

    it(`starts at the end, empty and caught up, after every record (${via} source)`, async () => {
      const table = await streamOf(topic, via, { start: { timestamp: T + 60_000 } });
      expect(table.status).toBe('caught_up');
      expect(table.size).toBe(0);
      expect(table.stats.recordsApplied).toBe(0);
      expect(table.position).toEqual([times[0]!.length, times[1]!.length]);
    });
  }
});
