/**
 * The measuring side of bench/latency.ts, as a worker: one process holds the writer, a client
 * (`createClient` + `ws`) subscribed through the bridge, and — for reference — an in-process
 * `KafkaTable` on the same topic. Every timestamp is `performance.now()` of this process, so
 * latency = (when a listener saw the write) − (when the produce request holding it was acked)
 * needs no clock sync.
 *
 * By default every record is its own produce request (as `KafkaTableWriter.set()` sends them);
 * `--linger-ms N` sends what is due every N ms as one request instead, as the official Java
 * producer does by default since Kafka 4.0 (linger.ms=5), which costs this process about a third
 * less CPU. A record's latency starts at the ack of the request that held it.
 *
 *   --brokers --topic --url --table --phase ID --rate 1000 --duration-ms 10000 --warmup-ms 1000
 *   --keys 1000 --value-bytes 200 --linger-ms 0
 *
 * → `ready` once table, client and writer are up; `go` → paced writes → `result`.
 */
import { performance } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import { WebSocket } from 'ws';
import { createClient } from '../client/src/index.js';
import { codecs, KafkaTable } from '../server/src/index.js';
import { Options } from './lib/args.js';
import { distribution } from './lib/stats.js';
import { workerChannel } from './lib/worker.js';

const opts = new Options();
const brokers = opts.string('brokers', '');
const topic = opts.string('topic', '');
const url = opts.string('url', '');
const tableName = opts.string('table', 'bench');
const phase = opts.string('phase', 'p');
const rate = opts.int('rate', 1_000, 1);
const durationMs = opts.int('duration-ms', 10_000, 1);
const warmupMs = opts.int('warmup-ms', 1_000, 0);
const keys = opts.int('keys', 1_000, 1);
const valueBytes = opts.int('value-bytes', 200, 16);
const drainMs = opts.int('drain-ms', 5_000, 0);
const lingerMs = opts.int('linger-ms', 0, 0);
opts.assertNoUnknown();
if (!brokers || !topic || !url) throw new Error('usage: latency-probe.ts --brokers --topic --url');

interface Value {
  readonly seq: number;
  readonly phase: string;
  readonly pad: string;
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
  valueCodec: codecs.json<Value>(),
  ensureTopic: false,
  clientId: 'tablecast-bench-latency-table',
  logger,
});
const { Kafka, logLevel, Partitioners } = kafkajs;
const producer = new Kafka({
  brokers: brokers.split(','),
  clientId: 'tablecast-bench-latency-writer',
  logLevel: logLevel.NOTHING,
}).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
const client = createClient({ url, WebSocket });

const channel = workerChannel(async () => {
  client.close();
  await Promise.allSettled([producer.disconnect(), table.stop()]);
});

const total = Math.round((rate * (warmupMs + durationMs)) / 1000);
const warmupCount = Math.round((rate * warmupMs) / 1000);
const sentAt = new Float64Array(total).fill(Number.NaN);
const ackAt = new Float64Array(total).fill(Number.NaN);
const clientSeen = new Float64Array(total).fill(Number.NaN);
const tableSeen = new Float64Array(total).fill(Number.NaN);
let writeErrors = 0;

function record(seen: Float64Array) {
  return (changes: readonly { deleted: boolean; value?: unknown }[]) => {
    const now = performance.now();
    for (const c of changes) {
      const v = c.value as Partial<Value> | undefined;
      if (c.deleted || v?.phase !== phase || typeof v.seq !== 'number') continue;
      if (v.seq >= 0 && v.seq < total && Number.isNaN(seen[v.seq]!)) seen[v.seq] = now;
    }
  };
}

await table.start();
if (table.status !== 'caught_up') throw new Error(`reference table is ${table.status}`);
table.onChanges(record(tableSeen));
const handle = client.table<Value>(tableName);
if (!(await handle.whenCaughtUp({ timeoutMs: 60_000 }))) {
  throw new Error(`client table is ${handle.status}`);
}
handle.onChanges(record(clientSeen));
await producer.connect();
channel.send({ type: 'ready' });

const pad = 'x'.repeat(
  Math.max(0, valueBytes - JSON.stringify({ seq: 0, phase, pad: '' }).length - 4),
);

channel.on('go', async () => {
  const acks: Promise<unknown>[] = [];
  const start = performance.now();
  const cpuAtStart = process.cpuUsage();
  const sendDeadline = start + 2 * (warmupMs + durationMs) + 10_000;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      // Linger 0: every record its own request, as KafkaTableWriter.set() sends them; else what
      // is due goes as one request.
      while (sent < due) {
        const first = sent;
        const messages: Array<{ key: string; value: string }> = [];
        do {
          const seq = sent++;
          sentAt[seq] = now;
          messages.push({ key: `k${seq % keys}`, value: JSON.stringify({ seq, phase, pad }) });
        } while (lingerMs > 0 && sent < due);
        const last = sent;
        acks.push(
          producer.send({ topic, acks: -1, messages }).then(
            () => {
              const at = performance.now();
              for (let seq = first; seq < last; seq++) ackAt[seq] = at;
            },
            () => {
              writeErrors += last - first;
            },
          ),
        );
      }
      if (sent >= total || now > sendDeadline) resolve();
      else setTimeout(tick, Math.max(1, lingerMs));
    };
    tick();
  });
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(acks);
  // Wait, bounded, for both listeners to see every write.
  const drainDeadline = performance.now() + drainMs;
  const complete = (seen: Float64Array) => {
    for (let i = 0; i < sent; i++)
      if (Number.isNaN(seen[i]!) && !Number.isNaN(ackAt[i]!)) return false;
    return true;
  };
  while (performance.now() < drainDeadline && !(complete(clientSeen) && complete(tableSeen))) {
    await new Promise((r) => setTimeout(r, 20));
  }

  const lat = (seen: Float64Array) => {
    const values: number[] = [];
    let missing = 0;
    let negative = 0;
    for (let i = warmupCount; i < sent; i++) {
      if (Number.isNaN(ackAt[i]!)) continue;
      if (Number.isNaN(seen[i]!)) {
        missing++;
        continue;
      }
      const d = seen[i]! - ackAt[i]!;
      if (d < 0) negative++;
      values.push(d);
    }
    return { ...distribution(values), missing, negative };
  };
  const ackLatency: number[] = [];
  for (let i = warmupCount; i < sent; i++) {
    if (!Number.isNaN(ackAt[i]!)) ackLatency.push(ackAt[i]! - sentAt[i]!);
  }
  const measuredSpan = (sentAt[sent - 1]! - sentAt[warmupCount]!) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  channel.send({
    type: 'result',
    sent,
    measured: sent - warmupCount,
    writeErrors,
    sendSeconds,
    sendRate: measuredSpan > 0 ? (sent - warmupCount - 1) / measuredSpan : Number.NaN,
    client: lat(clientSeen),
    table: lat(tableSeen),
    ack: distribution(ackLatency),
    // This process's CPU per wall second over the step (writer, client and KafkaTable).
    cpuShare: (cpu.user + cpu.system) / 1e6 / ((performance.now() - start) / 1000),
  });
});
