/**
 * The flooding socket of bench/hostile-clients.ts, in its own process so that reading what it
 * is sent does not delay the measuring clients' event loop: subscribe/unsubscribe pairs of the
 * whole table as fast as TCP takes them, reading (and dropping) what comes back.
 *
 *   --url --table --pairs 5000 --hold-ms 4000
 *
 * Prints `ready` once connected (so the cost of starting Node is not part of the measurement),
 * floods when it reads a line on stdin, then prints {"sent": n}.
 */
import { Options } from './lib/args.js';
import { sleep } from './lib/lifecycle.js';
import { rawUpgrade, textFrame } from './lib/raw-ws.js';

const opts = new Options();
const url = opts.string('url', '');
const table = opts.string('table', 'bench');
const pairs = opts.int('pairs', 5_000, 1);
const holdMs = opts.int('hold-ms', 4_000, 0);
opts.assertNoUnknown();
const socket = await rawUpgrade(url);
socket.resume();
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
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
process.stdout.write(`${JSON.stringify({ sent })}\n`);
