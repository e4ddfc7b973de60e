import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `port` (0: any free port); on any free port instead when it is taken and `anyPortIfBusy`. */
export async function listen(
  server: Server,
  port: number,
  host: string,
  anyPortIfBusy = false,
): Promise<void> {
  const attempt = (at: number) =>
    new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(at, host, () => {
        server.off('error', fail);
        done();
      });
    });
  try {
    await attempt(port);
  } catch (error) {
    if (!anyPortIfBusy || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await attempt(0);
  }
}

/** The URL a bound server is reached at from the same machine. */
export function localUrl(address: AddressInfo): string {
  // A wildcard bind (0.0.0.0 in a container) is reached as localhost from the same machine.
  const bound = ['0.0.0.0', '::'].includes(address.address) ? 'localhost' : address.address;
  const host = bound.includes(':') ? `[${bound}]` : bound;
  return `http://${host}:${address.port}/`;
}
