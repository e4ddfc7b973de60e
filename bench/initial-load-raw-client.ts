/**
 * A reader that only counts bytes, for `npm run bench initial-load -- --client raw`: how fast
 * the bridge streams a snapshot to a socket that drains at once, apart from any client's pace.
 *
 *   node --import tsx bench/initial-load-raw-client.ts --url ws://127.0.0.1:PORT --table NAME
 *
 * Subscribes with `ws` and counts every frame's bytes without parsing it, until the
 * snapshot-end (a short frame, the only one it reads). Prints one JSON line on stdout.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { SUBPROTOCOL } from '../shared/src/protocol/index.js';
import { Options } from './lib/args.js';
import { printLoadResult } from './lib/load-result.js';

const opts = new Options();
const url = opts.string('url', '');
const tableName = opts.string('table', 'bench');
const timeoutMs = opts.int('timeout-ms', 120_000, 1);
opts.assertNoUnknown();
if (!url) throw new Error('usage: initial-load-raw-client.ts --url ws://… --table NAME');

const END = Buffer.from('{"type":"snapshot-end"');
let frames = 0;
let bytes = 0;
let openedAt: number | undefined;
let firstSnapshotFrameAt: number | undefined;
const t0 = performance.now();
const socket = new WebSocket(url, SUBPROTOCOL, { maxPayload: 256 * 1024 * 1024 });
const ended = new Promise<string | undefined>((resolve) => {
  const timer = setTimeout(() => resolve(undefined), timeoutMs);
  socket.on('open', () => {
    openedAt = performance.now();
    socket.send(JSON.stringify({ type: 'subscribe', sub: 's1', table: tableName }));
  });
  socket.on('message', (data: Buffer) => {
    frames++;
    bytes += data.length;
    if (firstSnapshotFrameAt === undefined && frames > 1) firstSnapshotFrameAt = performance.now();
    if (data.length < 512 && data.subarray(0, END.length).equals(END)) {
      clearTimeout(timer);
      resolve(data.toString());
    }
  });
  socket.on('error', () => resolve(undefined));
});
const end = await ended;
const t1 = performance.now();
const status = end === undefined ? 'timeout' : (JSON.parse(end) as { status: string }).status;
socket.close();
const ok = status === 'caught_up';
printLoadResult(
  { t0, t1, openedAt, firstSnapshotFrameAt },
  { ok, status, size: null, frames, bytes },
);
process.exit(ok ? 0 : 3);
