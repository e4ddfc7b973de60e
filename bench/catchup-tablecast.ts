/**
 * One tablecast catch-up, in its own process (spawned by bench/catchup.ts):
 *
 *   node --expose-gc --import tsx bench/catchup-tablecast.ts --brokers 127.0.0.1:9092 --topic T
 *     [--value-codec json|bytes] [--source wire|wire-no-crc|kafkajs]
 *
 * Materializes the topic with `codecs.json()` and times `start()` until caught up. Memory is V8
 * heap used plus ArrayBuffers (the table's typed-array columns live outside the heap), after
 * two full GCs, minus the same before start, per key:
 * - live (the figure judged): the table running, `--live-settle-ms` after catch-up, so the
 *   reader has gone on polling the idle topic and let go of the replay's last fetch;
 * - at catch-up (diagnostic): right after start() resolved, that fetch still held;
 * - after stop (diagnostic): the consumer closed, the frozen map alone.
 * Prints one JSON line on stdout.
 */
import { performance } from 'node:perf_hooks';
import { codecs, KafkaTable, kafkajsSource, wireSource } from '../server/src/index.js';
import { Options } from './lib/args.js';

const opts = new Options();
const brokers = opts.string('brokers', process.env.KAFKA_BROKERS ?? '');
const topic = opts.string('topic', '');
const timeoutMs = opts.int('timeout-ms', 600_000, 1);
const liveSettleMs = opts.int('live-settle-ms', 1_000, 0);
const valueCodec = opts.string('value-codec', 'json');
const sourceName = opts.string('source', 'wire');
opts.assertNoUnknown();
if (valueCodec !== 'json' && valueCodec !== 'bytes') throw new Error('--value-codec json|bytes');
if (!['wire', 'wire-no-crc', 'kafkajs'].includes(sourceName)) {
  throw new Error('--source wire|wire-no-crc|kafkajs');
}
if (!brokers || !topic)
  throw new Error('usage: catchup-tablecast.ts --brokers HOST:PORT --topic NAME');

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function settle(): NodeJS.MemoryUsage {
  gc!();
  gc!();
  return process.memoryUsage();
}

/** What the process holds in JS memory: the V8 heap plus ArrayBuffer backing stores. */
function heldBytes(usage: NodeJS.MemoryUsage): number {
  return usage.heapUsed + usage.arrayBuffers;
}

const quietLogger = {
  warn: (message: string, details?: Record<string, unknown>) =>
    process.stderr.write(`[tablecast] ${message} ${details ? JSON.stringify(details) : ''}\n`),
  error: (message: string, details?: Record<string, unknown>) =>
    process.stderr.write(`[tablecast] ${message} ${details ? JSON.stringify(details) : ''}\n`),
};

const before = settle();
const table = new KafkaTable({
  brokers: brokers.split(','),
  topic,
  valueCodec: valueCodec === 'json' ? codecs.json() : codecs.bytes(),
  ensureTopic: false,
  catchupTimeoutMs: timeoutMs,
  clientId: 'tablecast-bench-catchup',
  logger: quietLogger,
  // The kafkajs adapter with the fetch sizes it was tuned with, or the read path without its
  // CRC checks, for comparisons.
  ...(sourceName === 'kafkajs'
    ? { source: kafkajsSource({ brokers: brokers.split(','), logger: quietLogger }) }
    : {}),
  ...(sourceName === 'wire-no-crc'
    ? {
        source: wireSource({ brokers: brokers.split(','), checkCrcs: false, logger: quietLogger }),
      }
    : {}),
});

const t0 = performance.now();
await table.start();
const seconds = (performance.now() - t0) / 1000;
const status = table.status;
const stats = table.stats;
const size = table.size;

const atCatchUp = settle();
// The reader polls every 100 ms when idle; after a few polls the replay's buffers are garbage.
await new Promise((resolve) => setTimeout(resolve, liveSettleMs));
const after = settle();
const liveDelta = heldBytes(after) - heldBytes(before);
const catchUpDelta = heldBytes(atCatchUp) - heldBytes(before);

const result = {
  contender: valueCodec === 'json' ? 'tablecast' : 'tablecast-bytes',
  ok: status === 'caught_up',
  status,
  seconds,
  catchUpSeconds: stats.catchUpSeconds,
  records: stats.replayedAtCatchUp,
  recordsApplied: stats.recordsApplied,
  valueDecodeErrors: stats.valueDecodeErrors,
  size,
  memory: {
    kind: 'heap',
    liveSettleMs,
    heapUsedBefore: before.heapUsed,
    heapUsedAfter: after.heapUsed,
    heapDeltaBytes: after.heapUsed - before.heapUsed,
    heldDeltaBytes: liveDelta,
    bytesPerKey: size > 0 ? liveDelta / size : null,
    atCatchUpBytesPerKey: size > 0 ? catchUpDelta / size : null,
    externalDeltaBytes: after.external - before.external,
    arrayBuffersDeltaBytes: after.arrayBuffers - before.arrayBuffers,
    rssDeltaBytes: after.rss - before.rss,
  },
};

// Diagnostic: the same measure once the consumer is closed. A stopped table still serves its
// frozen map, so what remains is the map itself; the gap to the running figure is what the
// Kafka client holds on to (fetch buffers, decoded batches).
await table.stop();
const stopped = settle();
const stoppedDelta = heldBytes(stopped) - heldBytes(before);
const output = {
  ...result,
  afterStop: {
    heldDeltaBytes: stoppedDelta,
    bytesPerKey: size > 0 ? stoppedDelta / size : null,
    arrayBuffersDeltaBytes: stopped.arrayBuffers - before.arrayBuffers,
    stillServing: table.size === size,
  },
};
process.stdout.write(`${JSON.stringify(output)}\n`);
process.exit(result.ok ? 0 : 3);
