/**
 * Aggregation throughput: `npm run bench aggregates [-- options]`.
 *
 * One topic on the real broker (`KAFKA_BROKERS`, or a broker of its own), 500k records over 100k
 * keys in 4 partitions by default, each record's `id` putting its key in one of 1k groups. Three
 * tables replay it from the beginning to caught_up, in turn, in this process:
 * - plain: the compacted map (`KafkaTable`, JSON values), the baseline;
 * - group-by: `groupByTable`, count and sum of `rev` per group (1k keys);
 * - windowed: `windowedTable` over the same records as a stream, 1-second tumbling windows on
 *   record time per group, count and sum (nothing expires).
 * Records/s = records in the topic / seconds from start() to caught_up; median of `--runs`, the
 * order of the tables rotated per run. Writes bench/results/aggregates.json and prints a table.
 *
 * Options (or BENCH_<NAME> env): --records --keys --groups --partitions --value-bytes --runs
 */
import { performance } from 'node:perf_hooks';
import {
  codecs,
  groupByTable,
  KafkaTable,
  type KafkaTableOptions,
  windowedTable,
} from '../server/src/index.js';
import { Options } from './lib/args.js';
import {
  acquireBroker,
  createCompactedTopic,
  deleteTopic,
  populateTopic,
  topicOffsets,
  withAdmin,
} from './lib/kafka.js';
import { machineFacts, writeResult } from './lib/results.js';
import { fmtNumber, fmtRatio, median, rotate } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const opts = new Options();
const spec = {
  records: opts.int('records', 500_000, 1),
  keys: opts.int('keys', 100_000, 1),
  valueBytes: opts.int('value-bytes', 200, 16),
  seed: 42,
};
const groups = opts.int('groups', 1_000, 1);
const partitions = opts.int('partitions', 4, 1);
const runs = opts.int('runs', 3, 1);
opts.assertNoUnknown();

const log = (message: string) => process.stderr.write(`[bench:aggregates] ${message}\n`);
const quiet = { warn: log, error: log };

interface BenchValue {
  readonly id: number;
  readonly rev: number;
}
const group = (v: BenchValue) => `g${v.id % groups}`;
const aggregates = {
  count: 'count',
  revs: { op: 'sum', field: (v: BenchValue) => v.rev },
} as const;

type Contender = 'plain' | 'group-by' | 'windowed';
const CONTENDERS: readonly Contender[] = ['plain', 'group-by', 'windowed'];

/** What the run needs of a table, whatever its value type. */
type Replayed = Pick<KafkaTable<unknown>, 'start' | 'stop' | 'status' | 'size'>;

function table(name: Contender, brokers: string[], topic: string): Replayed {
  const common: Omit<KafkaTableOptions<unknown>, 'valueCodec'> = {
    brokers,
    topic,
    ensureTopic: false,
    catchupTimeoutMs: 600_000,
    logger: quiet,
  };
  switch (name) {
    case 'plain':
      return new KafkaTable({ ...common, valueCodec: codecs.json() });
    case 'group-by':
      return groupByTable<BenchValue>({ ...common, groupBy: group, aggregates });
    case 'windowed':
      return windowedTable<BenchValue>({
        ...common,
        groupBy: group,
        window: { sizeMs: 1_000, retainMs: 24 * 3_600_000 },
        aggregates,
      });
  }
}

/** Seconds from start() to caught_up, and the rows the table holds then. */
async function replay(name: Contender, brokers: string[], topic: string) {
  const t = table(name, brokers, topic);
  const start = performance.now();
  await t.start();
  const seconds = (performance.now() - start) / 1000;
  if (t.status !== 'caught_up') throw new Error(`${name} ended ${t.status}`);
  const rows = t.size;
  await t.stop();
  return { seconds, rows };
}

const broker = await acquireBroker({ log });
const brokers = broker.brokers.split(',');
const topic = `bench-aggregates-${Date.now()}`;
try {
  await withAdmin(broker.brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  log(`writing ${spec.records} records over ${spec.keys} keys to ${topic}`);
  await populateTopic(broker.brokers, topic, spec, 'kcat', 600_000);
  const inTopic = (await withAdmin(broker.brokers, (admin) => topicOffsets(admin, topic))).records;
  const seconds = new Map<Contender, number[]>(CONTENDERS.map((c) => [c, []]));
  const rows = new Map<Contender, number>();
  for (let run = 0; run < runs; run++) {
    for (const name of rotate(CONTENDERS, run)) {
      const result = await replay(name, brokers, topic);
      seconds.get(name)!.push(result.seconds);
      rows.set(name, result.rows);
      log(`run ${run + 1}: ${name} ${result.seconds.toFixed(2)} s, ${result.rows} rows`);
    }
  }
  const results = CONTENDERS.map((name) => {
    const s = median(seconds.get(name)!);
    return {
      name,
      seconds: s,
      recordsPerSecond: inTopic / s,
      rows: rows.get(name),
      runs: seconds.get(name),
    };
  });
  const plain = results[0]!.recordsPerSecond;
  const file = await writeResult('aggregates.json', {
    machine: machineFacts(),
    spec: { ...spec, groups, partitions, runs, recordsInTopic: inTopic },
    results,
  });
  process.stdout.write(
    `${renderTable(
      [
        { header: 'table', align: 'left' },
        { header: 'rows' },
        { header: 'replay s (median)' },
        { header: 'records/s' },
        { header: 'vs plain' },
      ],
      results.map((r) => [
        r.name,
        fmtNumber(r.rows),
        r.seconds.toFixed(2),
        fmtNumber(r.recordsPerSecond),
        fmtRatio(r.recordsPerSecond / plain),
      ]),
    )}\n\n${inTopic} records, ${spec.keys} keys, ${groups} groups, ${partitions} partitions; ${file}\n`,
  );
} finally {
  await withAdmin(broker.brokers, (admin) => deleteTopic(admin, topic)).catch(() => {});
  await broker.stop();
}
