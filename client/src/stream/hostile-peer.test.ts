import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer, WebSocket as WsClient } from 'ws';
import {
  encodeMessage,
  parseClientMessage,
  type ServerMessage,
  toWireValue,
} from '../../../shared/src/protocol/index.js';
import { ProtocolChecker } from '../../../test/protocol-checker.js';
import { createClient } from '../create-client.js';
import { stream } from './stream-handle.js';
import type { StreamRow } from './stream-row.js';

// A stand-in bridge on the real `ws` package that keeps the protocol (a checker watches every
// message it sends) but fills a stream table with values that are not rows. The client skips
// and counts each one, never throws from its handlers, and keeps its order and index right.

const row = (partition: number, offset: number, timestamp: number, extra: object = {}) => ({
  key: `k${offset}`,
  value: { n: offset },
  timestamp,
  partition,
  offset,
  ...extra,
});

describe('a stream fed rows that are not row-shaped', () => {
  let server: WebSocketServer | undefined;
  afterEach(async () => {
    if (server === undefined) return;
    for (const socket of server.clients) socket.terminate();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('skips and counts them, keeps the good rows in order, and reports no error', async () => {
    const checker = new ProtocolChecker();
    let peer: WebSocket | undefined;
    let sub = '';
    const subscribed = new Promise<void>((resolve) => {
      server = new WebSocketServer({ port: 0, handleProtocols: (p) => [...p][0] ?? false });
      server.on('connection', (socket) => {
        peer = socket;
        const rows = (sets: Array<[string, unknown]>) =>
          sets.map(
            ([id, value]) => [id, toWireValue(value)] as [string, ReturnType<typeof toWireValue>],
          );
        const send = (m: ServerMessage) => {
          checker.received(m);
          socket.send(encodeMessage(m));
        };
        send({ type: 'welcome', version: 1, bridge: 'hostile' });
        socket.on('message', (data) => {
          const message = parseClientMessage(String(data));
          checker.sent(message);
          if (message.type !== 'subscribe') return;
          sub = message.sub;
          send({ type: 'snapshot-begin', sub, table: 'events', mode: 'reset' });
          send({
            type: 'snapshot-part',
            sub,
            sets: rows([
              ['0:0', row(0, 0, 30)],
              ['0:1', { key: 'k1', value: 1, partition: 0, offset: 1 }], // no timestamp
              ['0:2', row(0, 2, 10, { offset: 'two' })],
              ['0:3', row(1, 3, 10)], // the id says partition 0
              ['1:0', row(1, 0, 20)],
            ]),
            deletes: [],
          });
          send({
            type: 'snapshot-end',
            sub,
            position: { topicId: 't', offsets: [4, 1] },
            status: 'caught_up',
          });
          const huge = Array.from({ length: 20_000 }, (_, i) => [`h${i}`, 'x']);
          send({
            type: 'delta',
            table: 'events',
            sets: rows([
              ['0:4', row(0, 4, 25, { headers: huge })],
              ['0:5', row(0, 5, 26, { headers: [...huge, [1, 2]] })],
              ['0:6', 'not even an object'],
              ['0:0', row(0, 0, 30, { partition: 3 })], // replaces a held row with garbage
            ]),
            deletes: [],
            position: { topicId: 't', offsets: [7, 1] },
          });
          resolve();
        });
      });
    });
    await once(server!, 'listening');
    const { port } = server!.address() as AddressInfo;
    const errors: unknown[] = [];
    const client = createClient({
      url: `ws://127.0.0.1:${port}/tables`,
      WebSocket: WsClient,
      onError: (error) => errors.push(error),
    });
    const events = stream<{ n: number }>(client, 'events');
    let notified = 0;
    events.subscribe(() => notified++);
    await subscribed;
    await new Promise<void>((resolve) => {
      const done = () => events.position?.offsets[0] === 7 && resolve();
      events.subscribe(done);
      done();
    });
    const order = (rows: readonly StreamRow<unknown>[]) =>
      rows.map((r) => `${r.partition}:${r.offset}`);
    expect(order(events.rows)).toEqual(['1:0', '0:4']);
    expect(events.rows[1]!.headers).toHaveLength(20_000);
    expect(events.rejectedRows).toBe(6);
    expect(events.rejectedReason).toBe('row "0:0" holds record 3:0');
    expect(events.status).toBe('caught_up');
    expect(notified).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    // Only the rows were hostile: the stand-in kept the protocol.
    expect(checker.violations).toEqual([]);
    client.close();
    peer?.terminate();
  });
});
