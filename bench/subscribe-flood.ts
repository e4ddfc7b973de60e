/**
 * The flooding socket of bench/hostile-clients.ts, in a worker thread so that reading what it
 * is sent does not delay the measuring clients' event loop: subscribe/unsubscribe pairs of the
 * whole table as fast as TCP takes them, reading (and dropping) what comes back.
 *
 * workerData: { url, table, pairs, holdMs } → posts the number of messages sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sleep } from './lib/lifecycle.js';
import { rawUpgrade, textFrame } from './lib/raw-ws.js';

const { url, table, pairs, holdMs } = workerData as {
  url: string;
  table: string;
  pairs: number;
  holdMs: number;
};
const socket = await rawUpgrade(url);
socket.resume();
let sent = 0;
for (let i = 0; i < pairs && !socket.destroyed; i++) {
  const ok = socket.write(
    Buffer.concat([
      textFrame(JSON.stringify({ type: 'subscribe', sub: `f${i}`, table })),
      textFrame(JSON.stringify({ type: 'unsubscribe', sub: `f${i}` })),
    ]),
  );
  sent += 2;
  if (!ok) await new Promise((r) => socket.once('drain', r));
  if (i % 100 === 99) await sleep(10);
}
await sleep(holdMs);
socket.destroy();
parentPort?.postMessage(sent);
