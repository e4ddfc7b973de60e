import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeMessage, toWireValue } from '../../shared/src/protocol/index.js';
import type { ServerMessage } from '../../shared/src/protocol/messages.js';
import { createClient } from './create-client.js';
import { superjsonValues } from './superjson-values.js';

// The real `ws` package on both ends: catches differences from the fake (events, frame types,
// the headers option, subprotocol negotiation) before the bridge integration tests do.
describe('with the ws package', () => {
  let server: WebSocketServer | undefined;

  afterEach(async () => {
    if (server === undefined) return;
    for (const socket of server.clients) socket.terminate();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('subscribes, applies a snapshot and a delta, with token and headers', async () => {
    server = new WebSocketServer({
      port: 0,
      handleProtocols: (protocols) => [...protocols][0] ?? false,
    });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const upgrades: { url: string | undefined; header: string | undefined; protocol: string }[] =
      [];
    server.on('connection', (socket, request) => {
      upgrades.push({
        url: request.url,
        header: request.headers['x-tenant'] as string | undefined,
        protocol: socket.protocol,
      });
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; sub: string };
        if (message.type !== 'subscribe') return;
        const send = (m: ServerMessage, binary = false) =>
          socket.send(binary ? Buffer.from(encodeMessage(m)) : encodeMessage(m));
        const position = { topicId: 't', offsets: [1] };
        send({ type: 'snapshot-begin', sub: message.sub, table: 'prices', mode: 'reset' });
        send({
          type: 'snapshot-part',
          sub: message.sub,
          sets: [['a', toWireValue(new Date(0))]],
          deletes: [],
        });
        send({ type: 'snapshot-end', sub: message.sub, position, status: 'caught_up' }, true);
        send({
          type: 'delta',
          table: 'prices',
          sets: [['b', toWireValue(2n)]],
          deletes: [],
          position: { topicId: 't', offsets: [2] },
        });
      });
    });

    const client = createClient({
      url: `ws://127.0.0.1:${port}/tables`,
      WebSocket,
      token: () => 'abc',
      headers: () => ({ 'x-tenant': 'acme' }),
      wireValues: superjsonValues,
    });
    const prices = client.table<unknown>('prices');
    await expect(prices.whenCaughtUp({ timeoutMs: 5_000 })).resolves.toBe(true);
    await new Promise<void>((resolve) => {
      if (prices.has('b')) resolve();
      else prices.subscribe(() => prices.has('b') && resolve());
    });
    expect(prices.get('a')).toEqual(new Date(0));
    expect(prices.get('b')).toBe(2n);
    expect(upgrades).toEqual([
      { url: '/tables?token=abc', header: 'acme', protocol: 'tablecast.v1' },
    ]);
    client.close();
  });
});
