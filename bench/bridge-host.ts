/**
 * A tablecast bridge serving one table, as a benchmark worker (started by bench/initial-load.ts,
 * bench/latency.ts and bench/fanout.ts with `startWorker`, node --expose-gc):
 *
 *   --brokers HOST:PORT --topic T --table NAME [--trace-snapshots]
 *
 * Sends `{type:'ready', url, catchUpSeconds, size}` once the table is caught up and the bridge
 * listens on 127.0.0.1. Answers `{type:'stats', gc?}` with memory, bridge metrics, event-loop
 * delay and CPU time. With --trace-snapshots it timestamps the send of every snapshot-begin and
 * snapshot-end frame (ws's `send` is wrapped): the bridge-side time to stream a snapshot, which
 * produces parts as the socket drains and is therefore paced by the reader.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { codecs, createBridge, KafkaTable } from '../server/src/index.js';
import { Options } from './lib/args.js';
import { workerChannel } from './lib/worker.js';

const opts = new Options();
const brokers = opts.string('brokers', '');
const topic = opts.string('topic', '');
const tableName = opts.string('table', 'bench');
const traceSnapshots = opts.bool('trace-snapshots');
const catchupTimeoutMs = opts.int('catchup-timeout-ms', 300_000, 1);
// Bridge limits, for the benchmarks that probe them (bench/hostile-clients.ts); 0 = default.
const slowClientBytes = opts.int('slow-client-bytes', 0, 0);
const slowClientTimeoutMs = opts.int('slow-client-timeout-ms', 0, 0);
const heartbeatMs = opts.int('heartbeat-ms', 0, 0);
const controlRate = opts.int('control-rate', 0, 0);
const snapshotPartSize = opts.int('snapshot-part-size', 0, 0);
const maxConnections = opts.int('max-connections', 0, 0);
opts.assertNoUnknown();
if (!brokers || !topic) throw new Error('usage: bridge-host.ts --brokers HOST:PORT --topic T');

const snapshotMs: number[] = [];
if (traceSnapshots) {
  const send = WebSocket.prototype.send;
  let began = 0;
  WebSocket.prototype.send = function tracedSend(this: WebSocket, data: unknown, ...rest: never[]) {
    if (typeof data === 'string') {
      if (data.startsWith('{"type":"snapshot-begin"')) began = performance.now();
      else if (data.startsWith('{"type":"snapshot-end"'))
        snapshotMs.push(performance.now() - began);
    }
    return (send as (...a: unknown[]) => void).call(this, data, ...rest);
  } as typeof send;
}

const logger = {
  warn: (m: string, d?: Record<string, unknown>) =>
    process.stderr.write(`warn ${m} ${d ? JSON.stringify(d) : ''}\n`),
  error: (m: string, d?: Record<string, unknown>) =>
    process.stderr.write(`error ${m} ${d ? JSON.stringify(d) : ''}\n`),
};

const table = new KafkaTable({
  brokers: brokers.split(','),
  topic,
  valueCodec: codecs.json(),
  ensureTopic: false,
  catchupTimeoutMs,
  clientId: 'tablecast-bench-bridge',
  logger,
});
const bridge = createBridge({
  tables: { [tableName]: table as KafkaTable<unknown> },
  logger,
  ...(slowClientBytes > 0 ? { slowClientBytes } : {}),
  ...(snapshotPartSize > 0 ? { snapshotPartSize } : {}),
  ...(maxConnections > 0 ? { maxConnections } : {}),
  ...(slowClientTimeoutMs > 0 ? { slowClientTimeoutMs } : {}),
  ...(heartbeatMs > 0 ? { heartbeatIntervalMs: heartbeatMs } : {}),
  ...(controlRate > 0
    ? { controlMessagesPerSecond: controlRate, controlMessageBurst: controlRate }
    : {}),
});

const channel = workerChannel(async () => {
  await bridge.close({ graceMs: 500 });
  await table.stop();
});

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let cpuMark = process.cpuUsage();
let wallMark = performance.now();

channel.on('stats', (message) => {
  if (message.gc === true) {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
  }
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage(cpuMark);
  const wall = performance.now() - wallMark;
  cpuMark = process.cpuUsage();
  wallMark = performance.now();
  const m = bridge.metrics;
  channel.send({
    type: 'stats',
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    heapTotal: mem.heapTotal,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    connections: m.connections,
    subscriptions: m.subscriptions,
    framesSent: m.framesSent,
    bytesSent: m.bytesSent,
    httpSnapshotBytes: m.httpSnapshotBytes,
    slowClientEvents: m.slowClientEvents,
    slowClientDisconnects: m.slowClientDisconnects,
    rateLimited: m.rateLimited,
    loopDelayP50Ms: loopDelay.percentile(50) / 1e6,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    /** CPU time (user+system) over wall time since the previous stats request. */
    cpuShare: wall > 0 ? (cpu.user + cpu.system) / 1000 / wall : 0,
    recordsApplied: table.stats.recordsApplied,
    size: table.size,
    snapshotMs: snapshotMs.splice(0),
  });
  loopDelay.reset();
});

const t0 = performance.now();
const { url } = await bridge.listen({ host: '127.0.0.1', port: 0 });
await bridge.ready();
channel.send({
  type: 'ready',
  url,
  status: table.status,
  catchUpSeconds: (performance.now() - t0) / 1000,
  size: table.size,
});
