/**
 * One initial load through the client library, in its own process (spawned by
 * bench/initial-load.ts):
 *
 *   node --import tsx bench/initial-load-client.ts --url ws://127.0.0.1:PORT --table NAME
 *
 * `createClient` with `ws`'s WebSocket, wrapped to count the bytes of every received frame.
 * Times `client.table(name)` → `whenCaughtUp()` and prints one JSON line on stdout.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { createClient } from '../client/src/index.js';
import { Options } from './lib/args.js';
import { printLoadResult } from './lib/load-result.js';

const opts = new Options();
const url = opts.string('url', '');
const tableName = opts.string('table', 'bench');
const timeoutMs = opts.int('timeout-ms', 120_000, 1);
opts.assertNoUnknown();
if (!url) throw new Error('usage: initial-load-client.ts --url ws://… --table NAME');

let frames = 0;
let bytes = 0;
let firstSnapshotFrameAt: number | undefined;
let openedAt: number | undefined;

/** `ws`'s WebSocket, counting received payload bytes (WebSocket framing adds 2–10 B a frame). */
class CountingWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[], options?: object) {
    super(address, protocols, options);
    this.on('open', () => {
      openedAt ??= performance.now();
    });
    this.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      frames++;
      const n = Array.isArray(data)
        ? data.reduce((s, b) => s + b.length, 0)
        : data instanceof ArrayBuffer
          ? data.byteLength
          : data.length;
      bytes += n;
      if (firstSnapshotFrameAt === undefined && frames > 1)
        firstSnapshotFrameAt = performance.now();
    });
  }
}

const t0 = performance.now();
const client = createClient({ url, WebSocket: CountingWebSocket });
const handle = client.table(tableName);
const ok = await handle.whenCaughtUp({ timeoutMs });
const t1 = performance.now();
const size = handle.size;
const status = handle.status;
client.close();

printLoadResult({ t0, t1, openedAt, firstSnapshotFrameAt }, { ok, status, size, frames, bytes });
process.exit(ok ? 0 : 3);
