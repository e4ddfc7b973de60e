/**
 * Stream-join benchmark: what a client joining a stream table's ring of 10k rows pays (time from
 * subscribe to `caught_up` with the rows in order, bytes on the wire), next to a plain table of
 * 10k keys over the same topic, in the same run.
 *
 *   npm run bench stream-join                       # 10k records × ~200 B, 4 partitions, 5 runs
 *   npm run bench stream-join -- --rows 2k --runs 2 # smoke run
 *   KAFKA_BROKERS=127.0.0.1:9092 npm run bench stream-join
 *
 * One topic of `rows` distinct keys, so the plain table holds `rows` keys and the stream table
 * (`limit: rows`, start earliest) `rows` rows: the same records either way. The bridge and the
 * joining client share this process (a client per run and table, alternating which goes first),
 * so the times include the bridge's snapshot work and the client's apply; the stream client also
 * orders its rows (`stream()`).
 *
 * Options (or BENCH_<NAME> env): --rows --value-bytes --partitions --runs --timeout-ms --out
 */
import { WebSocket } from 'ws';
import { createClient } from '../client/src/index.js';
import { stream } from '../client/src/stream/stream-handle.js';
import type { WebSocketLikeConstructor } from '../client/src/websocket-like.js';
import { codecs, createBridge, KafkaTable, StreamTable } from '../server/src/index.js';
import { Options } from './lib/args.js';
import {
  acquireBroker,
  createCompactedTopic,
  deleteTopic,
  populateTopic,
  withAdmin,
} from './lib/kafka.js';
import { Cleanups } from './lib/lifecycle.js';
import { machineFacts, writeResult } from './lib/results.js';
import { fmtBytes, fmtNumber, median } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const opts = new Options();
const rows = opts.int('rows', 10_000, 1);
const valueBytes = opts.int('value-bytes', 200, 16);
const partitions = opts.int('partitions', 4, 1);
const runs = opts.int('runs', 5, 1);
const timeoutMs = opts.int('timeout-ms', 120_000, 1_000);
const outFile = opts.string('out', 'stream-join.json');
opts.assertNoUnknown();

const log = (message: string): void => {
  process.stderr.write(`[bench:stream-join] ${message}\n`);
};
const cleanups = new Cleanups(log);
const quiet = { warn: () => {}, error: () => {} };
type Kind = 'plain' | 'stream';

interface Join {
  readonly kind: Kind;
  readonly run: number;
  readonly ms: number;
  readonly bytes: number;
  readonly frames: number;
  readonly size: number;
}

/** One client joins `kind`'s table: subscribe → caught_up, counting received payload bytes. */
async function join(url: string, kind: Kind, run: number): Promise<Join> {
  let bytes = 0;
  let frames = 0;
  class Counting extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on('message', (data: Buffer) => {
        frames++;
        bytes += data.length;
      });
    }
  }
  const client = createClient({ url, WebSocket: Counting as unknown as WebSocketLikeConstructor });
  const t0 = performance.now();
  let size: number;
  if (kind === 'plain') {
    const handle = client.table(kind);
    if (!(await handle.whenCaughtUp({ timeoutMs }))) throw new Error(`${kind}: not caught up`);
    size = handle.size;
  } else {
    const events = stream(client, kind);
    if (!(await events.whenCaughtUp({ timeoutMs }))) throw new Error(`${kind}: not caught up`);
    size = events.rows.length;
  }
  const ms = performance.now() - t0;
  client.close();
  if (size !== rows) throw new Error(`${kind} client holds ${size}, expected ${rows}`);
  return { kind, run, ms, bytes, frames, size };
}

async function main(): Promise<void> {
  const broker = await acquireBroker({ log: (l) => log(`kafka: ${l}`) });
  if (broker.owned) cleanups.add('stop broker', () => broker.stop());
  const brokers = broker.brokers;
  const topic = `tablecast-bench-stream-join-${Date.now()}`;
  await withAdmin(brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  cleanups.add('delete topic', () => withAdmin(brokers, (admin) => deleteTopic(admin, topic)));
  const spec = { records: rows, keys: rows, valueBytes, seed: 42 };
  const filled = await populateTopic(brokers, topic, spec, 'kafkajs', timeoutMs);
  log(`filled ${topic} with ${fmtNumber(rows)} records in ${filled.seconds.toFixed(1)} s`);

  const common = { brokers: brokers.split(','), topic, logger: quiet };
  const plain = new KafkaTable({ ...common, valueCodec: codecs.json() });
  const events = StreamTable.json({ ...common, limit: rows, start: 'earliest' });
  const bridge = createBridge({ tables: { plain, stream: events }, logger: quiet });
  cleanups.add('close bridge', async () => {
    await bridge.close({ graceMs: 200 });
    await Promise.allSettled([plain.stop(), events.stop()]);
  });
  const { url } = await bridge.listen({ port: 0, host: '127.0.0.1' });
  await bridge.ready();
  log(`bridge at ${url}: plain ${plain.size} keys, stream ${events.size} rows`);

  const joins: Join[] = [];
  for (let run = 1; run <= runs && !cleanups.aborting; run++) {
    const order: Kind[] = run % 2 === 1 ? ['plain', 'stream'] : ['stream', 'plain'];
    for (const kind of order) joins.push(await join(url, kind, run));
  }
  const summary = (kind: Kind) => {
    const mine = joins.filter((j) => j.kind === kind);
    return {
      kind,
      medianMs: median(mine.map((j) => j.ms)),
      medianBytes: median(mine.map((j) => j.bytes)),
      bytesPerEntry: median(mine.map((j) => j.bytes)) / rows,
      frames: median(mine.map((j) => j.frames)),
    };
  };
  const results = [summary('plain'), summary('stream')];
  const file = await writeResult(outFile, {
    benchmark: 'stream-join',
    machine: machineFacts(),
    kafka: { brokers, owned: broker.owned, version: broker.version },
    options: { rows, valueBytes, partitions, runs },
    results,
    joins,
  });
  process.stdout.write(
    `${renderTable(
      [
        { header: 'table', align: 'left' },
        { header: 'entries' },
        { header: 'join → caught_up (median)' },
        { header: 'bytes (median)' },
        { header: 'bytes/entry' },
        { header: 'frames' },
      ],
      results.map((r) => [
        r.kind === 'plain'
          ? `plain table, ${fmtNumber(rows)} keys`
          : `stream, ring of ${fmtNumber(rows)}`,
        fmtNumber(rows),
        `${fmtNumber(r.medianMs, 1)} ms`,
        fmtBytes(r.medianBytes),
        fmtNumber(r.bytesPerEntry, 0),
        fmtNumber(r.frames),
      ]),
    )}\n\nresults: ${file}\n`,
  );
}

try {
  await main();
} finally {
  await cleanups.run();
}
