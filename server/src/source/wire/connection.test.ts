import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiRequest, Connection } from './connection.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A peer that answers the first request with `reply(correlationId)`, written in `pieces`. */
async function peer(reply: (correlationId: number) => Buffer[]): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', async (request: Buffer) => {
      // Size, api key, version, then the correlation id.
      for (const piece of reply(request.readInt32BE(8))) {
        socket.write(piece);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const int32 = (...values: number[]) => {
  const b = Buffer.alloc(4 * values.length);
  for (const [i, v] of values.entries()) b.writeInt32BE(v, 4 * i);
  return b;
};

const request: ApiRequest<number> = {
  apiKey: 18,
  version: 0,
  flexible: false,
  encode: () => {},
  decode: (d) => d.int32(),
};

async function ask(port: number) {
  const connection = await Connection.open({
    host: '127.0.0.1',
    port,
    clientId: 'test',
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
  });
  try {
    return await connection.send(request);
  } finally {
    connection.close();
  }
}

describe('Connection against a peer that is not a Kafka broker', () => {
  it('reads a response split at any byte', async () => {
    const port = await peer((id) => {
      const frame = Buffer.concat([int32(8, id, 42)]);
      return [...frame].map((byte) => Buffer.from([byte]));
    });
    expect(await ask(port)).toBe(42);
  });

  it.each([
    [
      'a negative size split over two writes',
      () => [Buffer.from([0xff, 0xff]), Buffer.from([0xff, 0xfb])],
    ],
    ['a negative size before a matching correlation id', (id: number) => [int32(-8, id, 0)]],
    ['a size too small for a correlation id', () => [int32(2), Buffer.from([0, 0])]],
    ['a size past 1 GiB', () => [int32(0x7fffffff)]],
  ])(
    'fails the request with KAFKA_PROTOCOL_ERROR on %s, never throwing from the socket',
    async (_, reply) => {
      const port = await peer(reply);
      await expect(ask(port)).rejects.toMatchObject({
        code: 'KAFKA_PROTOCOL_ERROR',
        message: expect.stringMatching(/announced a response of -?\d+ bytes/),
      });
    },
  );
});
