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
      socket.send(encodeMessage({ type: 'welcome', version: 1, bridge: 'interop' }));
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

  /** A `ws` server that selects `protocol` (false: none) and runs `onConnection`. */
  async function standIn(
    protocol: string | false,
    onConnection: (socket: WebSocket) => void,
  ): Promise<string> {
    server = new WebSocketServer({ port: 0, handleProtocols: () => protocol });
    await once(server, 'listening');
    server.on('connection', onConnection);
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/tables`;
  }

  /** Resolves with the client's state once it leaves connecting/open for `failed`. */
  function untilState(client: ReturnType<typeof createClient>, state: string): Promise<void> {
    return new Promise((resolve) => {
      if (client.connection === state) resolve();
      client.onConnection((next) => next === state && resolve());
    });
  }

  it('a stand-in bridge that never sends welcome fails the client instead of serving it', async () => {
    const url = await standIn('tablecast.v1', (socket) => {
      socket.on('message', (data) => {
        const { sub } = JSON.parse(String(data)) as { sub: string };
        socket.send(encodeMessage({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' }));
      });
    });
    const errors: string[] = [];
    const client = createClient({ url, WebSocket, onError: (e) => errors.push(e.code) });
    const prices = client.table('prices');
    await untilState(client, 'failed');
    expect(errors).toEqual(['PROTOCOL_VERSION']);
    expect(prices.status).toBe('failed');
    client.close();
  });

  it('a server that selects no subprotocol fails the client', async () => {
    const url = await standIn(false, () => {});
    const errors: string[] = [];
    const client = createClient({ url, WebSocket, onError: (e) => errors.push(e.code) });
    client.table('prices');
    await untilState(client, 'failed');
    expect(errors).toEqual(['PROTOCOL_VERSION']);
    client.close();
  });

  it('ws refuses a frame above maxMessageBytes (maxPayload), reported as MESSAGE_TOO_LARGE', async () => {
    const url = await standIn('tablecast.v1', (socket) => {
      socket.send(encodeMessage({ type: 'welcome', version: 1, bridge: 'interop' }));
      socket.send('x'.repeat(2_000));
    });
    const errors: string[] = [];
    const client = createClient({
      url,
      WebSocket,
      maxMessageBytes: 1_000,
      backoff: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
      onError: (e) => errors.push(e.code),
    });
    client.table('prices');
    await untilState(client, 'reconnecting');
    expect(errors).toEqual(['MESSAGE_TOO_LARGE']);
    client.close();
  });
});
