import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../client/src/create-client.js';
import { stream } from '../client/src/stream/stream-handle.js';
import { compareRows } from '../client/src/stream/stream-row.js';
import type { WebSocketLikeConstructor } from '../client/src/websocket-like.js';
import type { StreamRow } from '../server/src/stream/stream-row.js';
import type { StreamTable, StreamTableOptions } from '../server/src/stream/stream-table.js';
import { serve } from './bridge-fixtures.js';
import { Cleanup, connectAdmin, createTopic, testKafka } from './fixtures.js';
import { brokers, uniqueTopic } from './kafka.js';
import {
  type Compression,
  compileJavaProducer,
  type JavaJob,
  type JavaRecord,
  type JavaStep,
  produceWithJava,
} from './producers/java-producer.js';
import { runKcat } from './producers/kcat.js';
import { expectedRows, rowsByPartition } from './producers/stream-model.js';
import { openStream, SOURCES, type Via } from './stream-fixtures.js';

// Stream tables over records that the official Java client and kcat wrote: explicit timestamps
// far from now and far apart (deltas within a batch past 2^31 ms and up to 2^63, both ways), repeated header
// names, null header values, header names every object already has, non-ASCII names, null keys
// and values, every codec, transactions. Every case runs through both sources.

const FAR_FUTURE = Date.UTC(2200, 0, 1);
const CODECS: Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
// Kafka 4 refuses CreateTime more than an hour ahead by default; these topics take any time.
const ANY_TIME = {
  'cleanup.policy': 'delete',
  'message.timestamp.after.max.ms': '9223372036854775807',
  'message.timestamp.before.max.ms': '9223372036854775807',
};

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

/** Every stream here carries headers: they are half of what the producers get wrong. */
const streamOf = (topic: string, via: Via, options: Partial<StreamTableOptions<string>> = {}) =>
  openStream(cleanup, topic, via, { headers: true, ...options });

const rows = (table: StreamTable<string>) => rowsByPartition(table.snapshot().values());

/** Records that go to `partition`, with times and headers a careless decoder gets wrong. */
function oddRecords(partition: number, tag: string): JavaRecord[] {
  const records: JavaRecord[] = [
    {
      key: `${tag}-first`,
      value: 'at the epoch',
      timestamp: 0,
      headers: [
        ['trace', 'a'],
        ['dup', '1'],
        ['nul', null],
        ['dup', '2'],
        ['ключ ✓', 'значение'],
        ['dup', '3'],
        ['empty', ''],
      ],
    },
    { key: null, value: 'keyless, far future', timestamp: FAR_FUTURE },
    // Past 2^53 (a double rounds it, a row shows the rounded time) and a 10-byte delta.
    { key: `${tag}-late`, value: 'near the end of time', timestamp: 2 ** 63 - 1024 },
    { key: `${tag}-gone`, value: null, timestamp: 1 },
    { key: null, value: null, timestamp: 2 ** 31 + 5 },
    {
      key: `${tag}-proto`,
      value: 'names an object already has',
      timestamp: FAR_FUTURE + 1,
      headers: [
        ['constructor', 'c'],
        ['__proto__', 'p'],
        ['toString', null],
      ],
    },
  ];
  // Compressible bulk, with times jumping back and forth by more than 2^31 ms.
  for (let i = 0; i < 60; i++) {
    records.push({
      key: `${tag}-${i}`,
      value: `${tag} ${i} ${'the quick brown fox '.repeat(5)}`,
      timestamp: i % 2 === 0 ? i * (2 ** 31 + 7) : FAR_FUTURE - i * 1000,
      ...(i % 4 === 0 ? { headers: [['i', String(i)] as const] } : {}),
    });
  }
  return records.map((r) => ({ ...r, partition }));
}

/**
 * kafkajs hands headers over as an object, so repeated names come grouped under their first
 * appearance: the order across names is lost (documented in the README).
 */
function groupedHeaders(row: StreamRow<string>): StreamRow<string> {
  const byName = new Map<string, Array<string | null>>();
  for (const [name, value] of row.headers ?? []) {
    byName.set(name, [...(byName.get(name) ?? []), value]);
  }
  const headers = [...byName].flatMap(([name, values]) => values.map((v) => [name, v] as const));
  return { ...row, headers };
}

function expectRows(
  table: StreamTable<string>,
  expected: Map<number, StreamRow<string>[]>,
  via: Via,
): void {
  const want = new Map(
    [...expected].map(([p, list]) => [p, via === 'kafkajs' ? list.map(groupedHeaders) : list]),
  );
  expect(rows(table)).toEqual(want);
  expect(table.status).toBe('caught_up');
  expect(table.stats).toMatchObject({ keyDecodeErrors: 0, valueDecodeErrors: 0 });
}

interface Written {
  readonly topic: string;
  readonly expected: Map<number, StreamRow<string>[]>;
}
const java = new Map<string, Written>();
const setup = new Cleanup();

beforeAll(async () => {
  await compileJavaProducer();
  const admin = await connectAdmin(testKafka(brokers()), setup);
  const jobs: JavaJob[] = [];
  for (const compression of CODECS) {
    const topic = uniqueTopic(`stream-java-${compression}`);
    await createTopic(admin, topic, 2, ANY_TIME);
    const steps: JavaStep[] = [
      { records: [...oddRecords(0, 'a'), ...oddRecords(1, 'b')] },
      { records: oddRecords(1, 'c') },
    ];
    jobs.push({ topic, compression, steps });
    java.set(compression, { topic, expected: expectedRows(steps, false) });
  }
  const topic = uniqueTopic('stream-java-txn');
  await createTopic(admin, topic, 2, ANY_TIME);
  const both = (tag: string) => [...oddRecords(0, tag), ...oddRecords(1, tag)];
  const steps: JavaStep[] = [
    { records: both('t1'), end: 'commit' },
    { records: both('t2'), end: 'abort' },
    { records: oddRecords(1, 't3'), end: 'abort' },
    { records: both('t4'), end: 'commit' },
    { records: oddRecords(0, 't5'), end: 'abort' },
  ];
  jobs.push({ topic, compression: 'gzip', transactionalId: uniqueTopic('stream-txn'), steps });
  java.set('txn', { topic, expected: expectedRows(steps, true) });
  await produceWithJava({ bootstrap: brokers().join(','), jobs });
}, 120_000);
afterAll(() => setup.dispose());

describe('stream tables over records the Java client wrote', () => {
  for (const via of SOURCES) {
    // kafkajs decodes gzip only (README); the wire source decodes every codec.
    it.each(via === 'wire' ? CODECS : (['none', 'gzip'] as const))(
      `shows %s batches row for row: times, headers, order, offsets (${via} source)`,
      async (compression) => {
        const { topic, expected } = java.get(compression)!;
        expectRows(await streamOf(topic, via), expected, via);
      },
    );

    it(`shows committed transactions only, never an aborted one (${via} source)`, async () => {
      const { topic, expected } = java.get('txn')!;
      const table = await streamOf(topic, via);
      expectRows(table, expected, via);
      expect([...table.values()].some((r) => r.key?.startsWith('t2-'))).toBe(false);
    });
  }
});

describe('the same rows through a real bridge to the client', () => {
  it('reach stream() unchanged: times past 2^53, null and non-ASCII headers, null keys and values', async () => {
    const { topic, expected } = java.get('zstd')!;
    const table = await streamOf(topic, 'wire');
    const { url } = await serve(cleanup, { events: table });
    const client = cleanup.add(
      createClient({ url, WebSocket: WebSocket as unknown as WebSocketLikeConstructor }),
      (c) => c.close(),
    );
    const events = cleanup.add(stream<string>(client, 'events'), (e) => e.close());
    expect(await events.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
    const want = [...expected.values()].flat().sort(compareRows);
    expect(events.rows).toEqual(want);
    expect(events.rejectedRows).toBe(0);
  });
});

/** Writes lines "key\tvalue" through kcat with `headers` (`-H` each) on every record. */
async function kcatProduce(topic: string, headers: string[], lines: string[]): Promise<void> {
  const args = ['-P', '-b', brokers()[0]!, '-t', topic, '-K', '\t', '-Z', '-z', 'gzip'];
  for (const header of headers) args.push('-H', header);
  args.push('-X', 'acks=all');
  await runKcat(args, `${lines.join('\n')}\n`);
}

describe('stream tables over records kcat wrote', () => {
  for (const via of SOURCES) {
    it(`shows repeated and non-ASCII -H headers, null keys and values, and kcat's clock (${via} source)`, async () => {
      const topic = uniqueTopic(`stream-kcat-${via}`);
      await createTopic(await connectAdmin(testKafka(brokers()), cleanup), topic, 1, ANY_TIME);
      const before = Date.now();
      // kcat (librdkafka) has no option to choose a record's time: it stamps its own clock.
      await kcatProduce(
        topic,
        // A name without '=' is a header with a null value.
        ['dup=1', 'ключ=значение', 'dup=2', 'eq=a=b', 'nul', 'empty='],
        ['k1\tv1', '\tkeyless', 'k2\t', 'k3\tv3'],
      );
      const after = Date.now();
      const table = await streamOf(topic, via);
      const got = rows(table).get(0)!;
      const headers: Array<[string, string | null]> =
        via === 'wire'
          ? [
              ['dup', '1'],
              ['ключ', 'значение'],
              ['dup', '2'],
              ['eq', 'a=b'],
              ['nul', null],
              ['empty', ''],
            ]
          : [
              ['dup', '1'],
              ['dup', '2'],
              ['ключ', 'значение'],
              ['eq', 'a=b'],
              ['nul', null],
              ['empty', ''],
            ];
      expect(got.map(({ timestamp, ...rest }) => rest)).toEqual([
        { key: 'k1', value: 'v1', partition: 0, offset: 0, headers },
        { key: null, value: 'keyless', partition: 0, offset: 1, headers },
        { key: 'k2', value: null, partition: 0, offset: 2, headers },
        { key: 'k3', value: 'v3', partition: 0, offset: 3, headers },
      ]);
      for (const row of got) {
        expect(row.timestamp).toBeGreaterThanOrEqual(before - 1_000);
        expect(row.timestamp).toBeLessThanOrEqual(after + 1_000);
      }
    });
  }
});

describe('the Java producer harness', () => {
  it('fails the run when the broker refuses a record, rather than leaving a gap', async () => {
    const topic = uniqueTopic('stream-java-refused');
    // Kafka 4 refuses CreateTime more than an hour ahead by default.
    await createTopic(await connectAdmin(testKafka(brokers()), cleanup), topic, 1, {
      'cleanup.policy': 'delete',
    });
    const run = produceWithJava({
      bootstrap: brokers().join(','),
      jobs: [{ topic, steps: [{ records: [{ key: 'k', value: 'v', timestamp: FAR_FUTURE }] }] }],
    });
    await expect(run).rejects.toThrow(/InvalidTimestampException/);
  });
});
