/**
 * The ceiling for bench/fanout.ts, as a worker: a bare `ws` server that broadcasts the bridge's
 * own delta frames. It holds one upstream socket to the bridge (subscribed to the table) and
 * sends every delta frame it receives to every connected socket as ws's broadcast idiom does
 * (`client.send(data)` with the one Buffer, so the text is encoded once and only framed per
 * socket): the same bytes, with none of the bridge's bookkeeping
 * (Kafka consumer, subscriptions, positions, slow-client checks). Frames that pile up while it
 * is busy are merged into one delta per loop turn, as the bridge batches what it fetched.
 *
 *   --upstream ws://127.0.0.1:BRIDGE --table bench
 *
 * Its clients speak just enough protocol for bench/load-clients.ts: any message from a socket
 * (the subscribe) is answered with `snapshot-end`, and the socket then gets the broadcast.
 * → `ready {url}`; `stats {gc?}` → memory, frames/bytes sent, event-loop delay, CPU share.
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { Options } from './lib/args.js';
import { workerChannel } from './lib/worker.js';

const opts = new Options();
const upstreamUrl = opts.string('upstream', '');
const table = opts.string('table', 'bench');
opts.assertNoUnknown();
if (!upstreamUrl) throw new Error('usage: fanout-bare-server.ts --upstream ws://…');

const SNAPSHOT_END = '{"type":"snapshot-end"';
const live = new Set<WebSocket>();
let framesSent = 0;
let bytesSent = 0;
let connections = 0;

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  // The bridge listens with the same accept queue: a thousands-of-sockets join must not be
  // decided by the kernel's default of 511.
  backlog: 4096,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has('tablecast.v1') ? 'tablecast.v1' : false),
});
wss.on('connection', (ws) => {
  connections++;
  ws.once('message', () => {
    ws.send(`${SNAPSHOT_END},"sub":"s"}`);
    live.add(ws);
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    connections--;
    live.delete(ws);
  });
});

const upstream = new WebSocket(upstreamUrl, 'tablecast.v1', { perMessageDeflate: false });
let upstreamLive = false;
upstream.on('open', () => upstream.send(JSON.stringify({ type: 'subscribe', sub: 's', table })));
interface Delta {
  type: 'delta';
  table?: string;
  sets: [string, unknown][];
  deletes: string[];
  position: unknown;
}
let pending: string[] = [];
/**
 * Frames that arrived while the loop was busy go out as one merged delta (one entry per key,
 * the last wins), as the bridge's table applies everything fetched meanwhile as one batch.
 * Without this a relay that falls behind sends ever more small frames and never catches up.
 */
function flush(): void {
  const batch = pending;
  pending = [];
  let frame = batch[0]!;
  if (batch.length > 1) {
    const sets = new Map<string, [string, unknown]>();
    const deletes = new Set<string>();
    let last: Delta | undefined;
    for (const text of batch) {
      const d = JSON.parse(text) as Delta;
      for (const set of d.sets) {
        deletes.delete(set[0]);
        sets.set(set[0], set);
      }
      for (const key of d.deletes) {
        sets.delete(key);
        deletes.add(key);
      }
      last = d;
    }
    frame = JSON.stringify({ ...last, sets: [...sets.values()], deletes: [...deletes] });
  }
  const data = Buffer.from(frame);
  for (const ws of live) ws.send(data, { binary: false });
  framesSent += live.size;
  bytesSent += live.size * data.length;
}
upstream.on('message', (data: Buffer) => {
  if (!upstreamLive) {
    if (data.toString('utf8', 0, SNAPSHOT_END.length) === SNAPSHOT_END) upstreamLive = true;
    return;
  }
  if (pending.length === 0) setImmediate(flush);
  pending.push(data.toString('utf8'));
});
upstream.on('close', () => {
  upstreamLive = false;
});

const channel = workerChannel(async () => {
  upstream.terminate();
  for (const ws of wss.clients) ws.terminate();
  wss.close();
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
  channel.send({
    type: 'stats',
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    connections,
    subscriptions: live.size,
    framesSent,
    bytesSent,
    slowClientEvents: 0,
    slowClientDisconnects: 0,
    loopDelayP50Ms: loopDelay.percentile(50) / 1e6,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    cpuShare: wall > 0 ? (cpu.user + cpu.system) / 1000 / wall : 0,
  });
  loopDelay.reset();
});

await new Promise<void>((resolve, reject) => {
  wss.once('listening', resolve);
  wss.once('error', reject);
});
await new Promise<void>((resolve, reject) => {
  const deadline = setTimeout(() => reject(new Error('upstream subscription timed out')), 30_000);
  const check = setInterval(() => {
    if (upstreamLive) {
      clearInterval(check);
      clearTimeout(deadline);
      resolve();
    }
  }, 20);
});
const { port } = wss.address() as AddressInfo;
channel.send({ type: 'ready', url: `ws://127.0.0.1:${port}` });
