/**
 * Catch-up benchmark: how fast does a fresh table materialize a compacted topic, next to
 * references, on one broker in one run.
 *
 *   npm run bench:catchup                                   # 1M records / 100k keys / 4 partitions
 *   npm run bench:catchup -- --records 50k --keys 5k --runs 1
 *   KAFKA_BROKERS=127.0.0.1:9092 npm run bench:catchup    # use a running broker
 *
 * Contenders, each in its own process, N runs each in rotating order, median reported:
 *   tablecast  bench/catchup-tablecast.ts (node --expose-gc): KafkaTable + codecs.json()
 *   tablecast-bytes  the same with codecs.bytes(): the read path and the map, no JSON decoding
 *   kcat       kcat -C -o beginning -e: the librdkafka floor (reads bytes, builds nothing)
 *   ktables    bench/ktables_catchup.py: the Python library tablecast replaces (json.loads)
 *
 * Options (or BENCH_<NAME> env): --records --keys --partitions --value-bytes --runs --seed
 * --contenders tablecast,kcat,ktables --producer kcat|kafkajs --timeout-ms --broker-heap-mb
 * --topic --keep-topic --out --compression none|gzip|snappy|lz4|zstd (kcat producer only)
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  ALL_CONTENDERS,
  type CatchupTopic,
  type Contender,
  type ContenderRun,
  commandAvailable,
  failedRun,
  kcatCount,
  kcatVersion,
  type RunRecord,
  runKcat,
  runKtables,
  runTablecast,
  setupReferences,
  venvPython,
} from './catchup-contenders.js';
import { catchupReport, evaluateTargets, summarize, TARGETS } from './catchup-report.js';
import { Options } from './lib/args.js';
import type { DatasetSpec } from './lib/data.js';
import {
  acquireBroker,
  type BenchBroker,
  brokerProtocolVersion,
  createCompactedTopic,
  deleteTopic,
  type ProducerKind,
  populateTopic,
  type TopicOffsets,
  topicOffsets,
  withAdmin,
} from './lib/kafka.js';
import { Cleanups } from './lib/lifecycle.js';
import { machineFacts, writeResult } from './lib/results.js';
import { fmtNumber, rotate } from './lib/stats.js';

// ---------------------------------------------------------------------------------------------
// Options

const opts = new Options();
const spec: DatasetSpec = {
  records: opts.int('records', 1_000_000, 1),
  keys: opts.int('keys', 100_000, 1),
  valueBytes: opts.int('value-bytes', 200, 16),
  seed: opts.int('seed', 42),
};
const partitions = opts.int('partitions', 4, 1);
const runs = opts.int('runs', 3, 1);
const timeoutMs = opts.int('timeout-ms', 600_000, 1_000);
const brokerHeapMb = opts.int('broker-heap-mb', 1024, 256);
const requested = opts.list('contenders', ALL_CONTENDERS);
const producerOpt = opts.optionalString('producer');
const compression = opts.string('compression', 'none');
const topic = opts.string('topic', `tablecast-bench-catchup-${Date.now()}`);
const keepTopic = opts.bool('keep-topic');
const outFile = opts.string('out', 'catchup.json');
opts.assertNoUnknown();

for (const name of requested) {
  if (!ALL_CONTENDERS.includes(name as Contender)) {
    throw new Error(`unknown contender ${name}; choose from ${ALL_CONTENDERS.join(', ')}`);
  }
}
if (spec.records < spec.keys) throw new Error('--records must be >= --keys');
if (producerOpt !== undefined && producerOpt !== 'kcat' && producerOpt !== 'kafkajs') {
  throw new Error('--producer must be kcat or kafkajs');
}
if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) {
  throw new Error('--compression must be none, gzip, snappy, lz4 or zstd');
}
if (compression !== 'none' && producerOpt === 'kafkajs') {
  throw new Error('--compression needs the kcat producer (kafkajs writes gzip at most)');
}

const log = (message: string): void => {
  process.stderr.write(`[bench:catchup] ${message}\n`);
};
// Stops what the run started, also on error and SIGINT/SIGTERM.
const cleanups = new Cleanups(log);

async function main(): Promise<number> {
  const contenders = requested as Contender[];
  const haveKcat = await commandAvailable('kcat', ['-V']);
  if (!haveKcat && contenders.includes('kcat')) {
    throw new Error(
      'kcat not found (Debian package kcat); drop it with --contenders tablecast,ktables',
    );
  }
  const producer: ProducerKind =
    (producerOpt as ProducerKind | undefined) ?? (haveKcat ? 'kcat' : 'kafkajs');
  if (contenders.includes('ktables') && !existsSync(venvPython))
    log('creating .cache/bench-venv for ktables');
  await setupReferences(contenders, log);

  log(
    process.env.KAFKA_BROKERS
      ? `using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`
      : 'starting Kafka (scripts/kafka/broker.ts)',
  );
  const broker: BenchBroker = await acquireBroker({
    heapMb: brokerHeapMb,
    log: (line) => log(`kafka: ${line}`),
  });
  if (broker.owned) cleanups.add('stop broker', () => broker.stop());
  const brokers = broker.brokers;
  const target: CatchupTopic = { brokers, topic, timeoutMs };
  const protocolVersion = await withAdmin(brokers, brokerProtocolVersion);
  const kafkaLabel = `Kafka ${broker.version ?? protocolVersion ?? '?'} at ${brokers}${broker.owned ? '' : ' (external)'}`;
  log(kafkaLabel);

  log(`creating compacted topic ${topic} (${partitions} partitions)`);
  await withAdmin(brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  if (!keepTopic) {
    cleanups.add('delete topic', () => withAdmin(brokers, (admin) => deleteTopic(admin, topic)));
  }

  log(
    `producing ${fmtNumber(spec.records)} records over ${fmtNumber(spec.keys)} keys with ${producer}`,
  );
  const population = await populateTopic(brokers, topic, spec, producer, timeoutMs, compression);
  log(
    `produced in ${population.seconds.toFixed(1)} s (${fmtNumber(spec.records / population.seconds)} records/s)`,
  );
  const offsets: TopicOffsets = await withAdmin(brokers, (admin) => topicOffsets(admin, topic));
  const recordsInTopic = offsets.records;
  if (recordsInTopic !== spec.records) {
    log(`warning: topic holds ${recordsInTopic} records, ${spec.records} were produced`);
  }
  let verifiedCount: number | null = null;
  if (haveKcat) {
    verifiedCount = await kcatCount(target);
    log(`kcat verification read: ${fmtNumber(verifiedCount)} messages`);
    if (verifiedCount !== recordsInTopic) {
      log(`warning: kcat read ${verifiedCount} messages, offsets say ${recordsInTopic}`);
    }
  }

  const results: RunRecord[] = [];
  for (let run = 0; run < runs; run++) {
    const order = rotate(contenders, run);
    for (const [position, contender] of order.entries()) {
      if (cleanups.aborting) throw new Error('interrupted');
      log(`run ${run + 1}/${runs}: ${contender}`);
      let r: ContenderRun;
      try {
        r =
          contender === 'tablecast' || contender === 'tablecast-bytes'
            ? await runTablecast(target, contender)
            : contender === 'ktables'
              ? await runKtables(target)
              : await runKcat(target, verifiedCount ?? recordsInTopic);
      } catch (error) {
        r = failedRun(contender, error);
      }
      // Wrong counts make a run invalid: a fast but incomplete table is not a result.
      if (r.ok && r.records !== null && r.records !== recordsInTopic) {
        r = { ...r, ok: false, error: `read ${r.records} records, topic holds ${recordsInTopic}` };
      }
      if (r.ok && r.size !== null && r.size !== population.payload.keys) {
        r = {
          ...r,
          ok: false,
          error: `table has ${r.size} keys, expected ${population.payload.keys}`,
        };
      }
      const line = r.ok
        ? `${r.seconds.toFixed(3)} s, ${fmtNumber(r.recordsPerSecond)} records/s` +
          (r.bytesPerKey === null ? '' : `, ${fmtNumber(r.bytesPerKey, 1)} B/key (${r.memoryKind})`)
        : `FAILED: ${r.error}`;
      log(`  ${contender}: ${line}`);
      results.push({ ...r, run: run + 1, order: position + 1 });
    }
  }

  const summary = summarize(contenders, results, recordsInTopic, population.payload);
  const targets = evaluateTargets(summary, population.payload);
  const report = catchupReport(contenders, summary, targets, {
    recordsInTopic,
    payload: population.payload,
    kafka: kafkaLabel,
    population,
    partitions,
    valueBytes: spec.valueBytes,
    runs,
  });
  process.stdout.write(`${report}\n`);

  const file = await writeResult(outFile, {
    benchmark: 'catchup',
    machine: machineFacts(),
    kafka: {
      brokers,
      startedByBench: broker.owned,
      version: broker.version ?? null,
      interBrokerProtocolVersion: protocolVersion ?? null,
    },
    tools: {
      kcat: haveKcat ? await kcatVersion() : null,
      ktables:
        results.find((r) => r.contender === 'ktables' && r.detail)?.detail?.ktablesVersion ?? null,
    },
    parameters: { ...spec, partitions, runs, timeoutMs, contenders, producer, compression, topic },
    dataset: {
      recordsInTopic,
      kcatVerifiedCount: verifiedCount,
      partitions: offsets.partitions,
      payload: population.payload,
      population: {
        producer: population.producer,
        seconds: population.seconds,
        recordsPerSecond: spec.records / population.seconds,
      },
    },
    runs: results,
    summary,
    targets: { thresholds: TARGETS, results: targets },
  });
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

await cleanups.exitAfter(main);
