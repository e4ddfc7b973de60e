import { createServer } from 'node:net';

/**
 * Below Linux's ephemeral range (32768–60999): a listener bound to port 0 or an outgoing
 * connection never gets one of these, so a port stays ours while a test restarts the process
 * that listens on it (a killed bridge, a restarted broker).
 */
const LOW = 20_000;
const HIGH = 32_768;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a listener a test configures. Picked
 * outside the ephemeral range, so other tests' servers on port 0 cannot take it meanwhile.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${LOW}–${HIGH - 1} after 100 tries`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
