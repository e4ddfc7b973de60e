import { describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../../shared/src/protocol/messages.js';
import { at, fakeTimeAndSockets, lastSub, sentOf, setup, snapshot } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';

fakeTimeAndSockets();

describe('connection', () => {
  it('opens lazily, with the subprotocol, on the first table()', () => {
    const { client } = setup();
    expect(FakeWebSocket.instances).toHaveLength(0);
    const handle = client.table('prices');
    const socket = FakeWebSocket.last;
    expect(socket.protocols).toBe('tablecast.v1');
    expect(socket.binaryType).toBe('arraybuffer');
    expect(client.connection).toBe('connecting');
    socket.open();
    expect(client.connection).toBe('open');
    expect(socket.messages).toEqual([{ type: 'subscribe', sub: lastSub(socket), table: 'prices' }]);
    handle.close();
    client.close();
  });

  it('connects at construction when not lazy', () => {
    const { client } = setup({ lazy: false });
    expect(FakeWebSocket.instances).toHaveLength(1);
    client.close();
  });

  it('reconnects with exponential backoff and full jitter, and resets after a healthy period', () => {
    const random = vi.fn(() => 0.5);
    const { client } = setup({ random });
    const states: string[] = [];
    client.onConnection((state) => states.push(state));
    client.table('prices');
    FakeWebSocket.last.open();
    FakeWebSocket.last.serverClose(1006);
    expect(client.connection).toBe('reconnecting');
    // attempt 0: random(0, 250) = 125
    vi.advanceTimersByTime(124);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.error();
    // attempt 1: random(0, 500) = 250
    vi.advanceTimersByTime(249);
    expect(FakeWebSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(3);
    // Open but not healthy for long enough: attempt 2 -> random(0, 1000) = 500
    FakeWebSocket.last.open();
    vi.advanceTimersByTime(9_999);
    FakeWebSocket.last.serverClose(1001);
    vi.advanceTimersByTime(500);
    expect(FakeWebSocket.instances).toHaveLength(4);
    // Healthy for 10 s: back to attempt 0 -> 125
    FakeWebSocket.last.open();
    vi.advanceTimersByTime(10_000);
    FakeWebSocket.last.serverClose(1001);
    vi.advanceTimersByTime(125);
    expect(FakeWebSocket.instances).toHaveLength(5);
    expect(states).toEqual([
      'open',
      'reconnecting',
      'open',
      'reconnecting',
      'open',
      'reconnecting',
    ]);
    client.close();
    expect(states.at(-1)).toBe('closed');
  });

  it('caps the delay at maxDelayMs', () => {
    const { client } = setup({ random: () => 0.999, backoff: { maxDelayMs: 1000 } });
    client.table('prices');
    for (let attempt = 0; attempt < 8; attempt++) {
      FakeWebSocket.last.error();
      vi.advanceTimersByTime(999);
    }
    expect(FakeWebSocket.instances).toHaveLength(9);
    client.close();
  });

  it('resubscribes every table with its last position and filter after a reconnect', () => {
    const { client } = setup();
    const prices = client.table('prices');
    client.table('users', { keys: ['b', 'a', 'b'] });
    const first = FakeWebSocket.last;
    first.open();
    const [pricesSub] = sentOf(first, 'subscribe').map((message) => message.sub as string);
    snapshot(first, pricesSub!, { a: 1 }, at(7));
    first.serverClose(1006);
    expect(prices.status).toBe('degraded');
    vi.advanceTimersByTime(125);
    const second = FakeWebSocket.last;
    expect(second).not.toBe(first);
    second.open();
    expect(sentOf(second, 'subscribe')).toEqual([
      expect.objectContaining({ table: 'prices', position: at(7) }),
      { type: 'subscribe', sub: expect.any(String), table: 'users', filter: { keys: ['a', 'b'] } },
    ]);
    expect(prices.get('a')).toBe(1);
    expect(prices.status).toBe('loading');
    snapshot(second, lastSub(second, 'prices'), { b: 2 }, at(9), { mode: 'resume' });
    expect(Object.fromEntries(prices)).toEqual({ a: 1, b: 2 });
    expect(prices.status).toBe('caught_up');
    client.close();
  });

  it('decodes binary frames without Buffer', () => {
    const { client } = setup();
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    const encode = (message: ServerMessage) => new TextEncoder().encode(JSON.stringify(message));
    socket.receiveRaw(encode({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' }));
    socket.receiveRaw(encode({ type: 'snapshot-part', sub, sets: [['a', [1]]], deletes: [] }));
    socket.receiveRaw(
      encode({ type: 'snapshot-end', sub, position: at(1), status: 'caught_up' }).buffer,
    );
    expect(prices.get('a')).toBe(1);
    client.close();
  });

  it('close clears every timer, closes the socket and keeps the data', async () => {
    const { client } = setup();
    const prices = client.table('prices');
    const other = client.table('other');
    FakeWebSocket.last.open();
    snapshot(FakeWebSocket.last, lastSub(FakeWebSocket.last, 'prices'), { a: 1 }, at(1));
    const waiting = other.whenCaughtUp({ timeoutMs: 60_000 });
    FakeWebSocket.last.serverClose(1006);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    const socket = FakeWebSocket.last;
    client.close();
    client.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.closed).toBe(true);
    expect(client.connection).toBe('closed');
    expect(prices.get('a')).toBe(1);
    expect(prices.status).toBe('failed');
    await expect(waiting).resolves.toBe(false);
    expect(() => client.table('prices')).toThrow(/closed/);
  });

  it('closes an open socket on close', async () => {
    const { client } = setup();
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    vi.advanceTimersByTime(100);
    await client[Symbol.asyncDispose]();
    expect(socket.closeCalls).toEqual([{ code: 1000, reason: 'client closed' }]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
