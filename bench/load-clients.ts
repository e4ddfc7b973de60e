/**
 * Many cheap subscribers in one process, as a benchmark worker (bench/latency.ts, bench/fanout.ts):
 * raw `ws` sockets speaking the tablecast protocol, not the client library, so thousands of
 * them cost the client side little. Each socket offers `tablecast.v1`, subscribes to the whole
 * table, waits for `snapshot-end`, then counts delta frames, bytes and changes. Changes are
 * counted by occurrences of a marker (default `"seq":`, a field of every benchmark value) in the
 * frame's bytes, without parsing JSON.
 *
 *   --url ws://127.0.0.1:PORT --count N [--table bench] [--source-addresses 16]
 *   [--connect-concurrency 200] [--connect-timeout-ms 60000] [--marker '"seq":']
 *
 * Sockets bind to 127.0.0.2, 127.0.0.3, … in turn (--source-addresses), so thousands of
 * connections and their TIME_WAITs do not exhaust one address's ephemeral ports.
 *
 * Messages: → `ready {connected, live, failed, seconds}` once every socket is live or failed;
 * `reset` → `reset`; `report` → `report {frames, bytes, changes, live, closed, minChanges, …}`.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { Options } from './lib/args.js';
import { workerChannel } from './lib/worker.js';

const opts = new Options();
const url = opts.string('url', '');
const count = opts.int('count', 1, 0);
const table = opts.string('table', 'bench');
const sourceAddresses = opts.int('source-addresses', 16, 1);
const firstAddress = opts.int('first-address', 2, 1);
const concurrency = opts.int('connect-concurrency', 200, 1);
const connectTimeoutMs = opts.int('connect-timeout-ms', 60_000, 1);
const marker = Buffer.from(opts.string('marker', '"seq":'));
opts.assertNoUnknown();
if (!url) throw new Error('usage: load-clients.ts --url ws://… --count N');

const SNAPSHOT_END = Buffer.from('{"type":"snapshot-end"');
// Subscribe with this key prefix as the filter (empty: the whole table).
const filterPrefix = opts.string('filter-prefix', '');
const subscribe = JSON.stringify({
  type: 'subscribe',
  sub: 's',
  table,
  ...(filterPrefix === '' ? {} : { filter: { prefix: filterPrefix } }),
});

const sockets: WebSocket[] = [];
const changesPerSocket = new Float64Array(count);
let live = 0;
let failed = 0;
let closed = 0;
let frames = 0;
let bytes = 0;
let changes = 0;
let stopping = false;
const closeCodes = new Map<number, number>();
const errors = new Map<string, number>();

const channel = workerChannel(async () => {
  stopping = true;
  for (const s of sockets) s.terminate();
});

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function countMarker(buf: Buffer): number {
  let n = 0;
  let at = buf.indexOf(marker);
  while (at !== -1) {
    n++;
    at = buf.indexOf(marker, at + marker.length);
  }
  return n;
}

function open(index: number): Promise<void> {
  return new Promise((resolve) => {
    const localAddress = `127.0.0.${firstAddress + (index % sourceAddresses)}`;
    const ws = new WebSocket(url, 'tablecast.v1', { perMessageDeflate: false, localAddress });
    sockets.push(ws);
    let isLive = false;
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    ws.on('open', () => ws.send(subscribe));
    ws.on('message', (data: Buffer) => {
      if (isLive) {
        frames++;
        bytes += data.length;
        const n = countMarker(data);
        changes += n;
        changesPerSocket[index]! += n;
        return;
      }
      if (data.subarray(0, SNAPSHOT_END.length).equals(SNAPSHOT_END)) {
        isLive = true;
        live++;
        settle();
      }
    });
    ws.on('error', (error: Error & { code?: string }) => {
      const key = error.code ?? error.message.slice(0, 60);
      errors.set(key, (errors.get(key) ?? 0) + 1);
    });
    ws.on('close', (code: number) => {
      closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
      if (isLive) live--;
      if (!isLive && !settled) failed++;
      closed++;
      settle();
    });
  });
}

const t0 = performance.now();
const deadline = t0 + connectTimeoutMs;
let next = 0;
async function lane(): Promise<void> {
  while (next < count && !stopping && performance.now() < deadline) {
    const index = next++;
    await Promise.race([
      open(index),
      new Promise<void>((r) => setTimeout(r, Math.max(0, deadline - performance.now()))),
    ]);
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
channel.send({
  type: 'ready',
  requested: count,
  connected: sockets.length,
  live,
  failed,
  seconds: (performance.now() - t0) / 1000,
  errors: Object.fromEntries(errors),
});

channel.on('reset', () => {
  frames = 0;
  bytes = 0;
  changes = 0;
  changesPerSocket.fill(0);
  channel.send({ type: 'reset', live, cpuSeconds: cpuSeconds() });
});

channel.on('report', () => {
  let minChanges = Number.POSITIVE_INFINITY;
  let maxChanges = 0;
  for (let i = 0; i < sockets.length; i++) {
    const c = changesPerSocket[i]!;
    if (c < minChanges) minChanges = c;
    if (c > maxChanges) maxChanges = c;
  }
  channel.send({
    type: 'report',
    frames,
    bytes,
    changes,
    live,
    closed,
    failed,
    minChanges: sockets.length === 0 ? 0 : minChanges,
    maxChanges,
    closeCodes: Object.fromEntries(closeCodes),
    errors: Object.fromEntries(errors),
    rss: process.memoryUsage().rss,
    cpuSeconds: cpuSeconds(),
  });
});
