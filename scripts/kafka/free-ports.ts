import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * Loopback ports for the broker's listeners: each wanted port, or a free one where none is
 * wanted.
 */
export async function freePorts(
  ...wanted: [number | undefined, number | undefined, number | undefined]
): Promise<[number, number, number]> {
  // All listeners stay open until every port is known so the picks cannot collide.
  const servers = wanted.map(() => createServer());
  try {
    await Promise.all(
      servers.map(async (server, i) => {
        server.listen(wanted[i] ?? 0, '127.0.0.1');
        await once(server, 'listening');
      }),
    );
    const portOf = (i: 0 | 1 | 2): number => {
      const address = servers[i]?.address();
      if (!address || typeof address === 'string') throw new Error('no TCP address');
      return address.port;
    };
    return [portOf(0), portOf(1), portOf(2)];
  } finally {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
    );
  }
}
