import { describe, expect, it, vi } from 'vitest';
import {
  at,
  delta,
  fakeTimeAndSockets,
  lastSub,
  sentOf,
  setup,
  snapshot,
} from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';

fakeTimeAndSockets();

describe('tables', () => {
  it('shares one ref-counted handle per name and filter', () => {
    const { client } = setup();
    const a = client.table('prices');
    const b = client.table('prices');
    const filtered = client.table('prices', { keys: ['y', 'x'] });
    expect(b).toBe(a);
    expect(client.table('prices', { keys: ['x', 'y'] })).toBe(filtered);
    const socket = FakeWebSocket.last;
    socket.open();
    expect(sentOf(socket, 'subscribe')).toHaveLength(2);
    a.close();
    expect(sentOf(socket, 'unsubscribe')).toHaveLength(0);
    expect(a.closed).toBe(false);
    b.close();
    expect(sentOf(socket, 'unsubscribe')).toHaveLength(1);
    expect(a.closed).toBe(true);
    expect(client.table('prices')).not.toBe(a);
    client.close();
  });

  it('subscribes at once when the socket is already open', () => {
    const { client } = setup();
    client.table('prices');
    FakeWebSocket.last.open();
    client.table('users', { prefix: 'eu/' });
    expect(sentOf(FakeWebSocket.last, 'subscribe').at(-1)).toMatchObject({
      table: 'users',
      filter: { prefix: 'eu/' },
    });
    client.close();
  });

  it('applies a table-level delta to the unfiltered subscription only, and sub deltas to theirs', () => {
    const { client } = setup();
    const all = client.table<number>('prices');
    const some = client.table<number>('prices', { prefix: 'a' });
    const socket = FakeWebSocket.last;
    socket.open();
    const allSub = lastSub(socket, 'prices', false);
    const someSub = lastSub(socket, 'prices', true);
    snapshot(socket, allSub, { a: 1, b: 2 }, at(2));
    snapshot(socket, someSub, { a: 1 }, at(2));
    socket.receive(delta({ b: 3 }, at(3), { table: 'prices' }));
    socket.receive(delta({ a: 5 }, at(3), { sub: someSub }));
    expect(Object.fromEntries(all)).toEqual({ a: 1, b: 3 });
    expect(Object.fromEntries(some)).toEqual({ a: 5 });
    client.close();
  });

  it('mirrors the bridge status: loading until snapshot-end and caught_up', () => {
    const { client } = setup();
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    socket.receive({ type: 'status', table: 'prices', status: 'caught_up' });
    expect(prices.status).toBe('loading');
    snapshot(socket, sub, {}, at(0), { status: 'loading' });
    expect(prices.status).toBe('loading');
    socket.receive({ type: 'status', table: 'prices', status: 'caught_up' });
    expect(prices.status).toBe('caught_up');
    socket.receive({ type: 'status', table: 'prices', status: 'failed', reason: 'topic deleted' });
    expect(prices.status).toBe('failed');
    expect(prices.statusReason).toBe('topic deleted');
    client.close();
  });

  it('fails a table the bridge refuses and reports the error', async () => {
    const { client, errors } = setup();
    const prices = client.table('nope');
    const socket = FakeWebSocket.last;
    socket.open();
    const waiting = prices.whenCaughtUp({ timeoutMs: 1000 });
    socket.receive({
      type: 'error',
      code: 'UNKNOWN_TABLE',
      message: 'no such table',
      sub: lastSub(socket),
    });
    expect(prices.status).toBe('failed');
    expect(errors[0]).toMatchObject({ code: 'UNKNOWN_TABLE', table: 'nope' });
    await expect(waiting).resolves.toBe(false);
    client.close();
  });

  it('resubscribes with a reset after an unparseable frame, keeping the old map meanwhile', () => {
    const { client, errors } = setup();
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    snapshot(socket, sub, { a: 1 }, at(5));
    socket.receiveRaw(JSON.stringify({ type: 'delta', sub, sets: 'garbage' }));
    expect(errors.map((error) => error.code)).toEqual(['PROTOCOL']);
    expect(sentOf(socket, 'unsubscribe')).toEqual([{ type: 'unsubscribe', sub }]);
    // Late messages of the old subscription are dropped.
    socket.receive(delta({ a: 99 }, at(6), { table: 'prices' }));
    expect(prices.get('a')).toBe(1);
    vi.advanceTimersByTime(125);
    const resubscribe = sentOf(socket, 'subscribe').at(-1)!;
    expect(resubscribe).toEqual({ type: 'subscribe', sub: expect.any(String), table: 'prices' });
    expect(resubscribe.sub).not.toBe(sub);
    // Even a reset behind the old position is taken: the old map may be missing a change.
    snapshot(socket, resubscribe.sub as string, { a: 2 }, at(4));
    expect(prices.get('a')).toBe(2);
    expect(prices.status).toBe('caught_up');
    client.close();
  });

  it('resubscribes with a reset after an out-of-sequence snapshot part', () => {
    const { client, errors } = setup();
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    socket.receive({ type: 'snapshot-part', sub, sets: [], deletes: [] });
    expect(errors[0]?.code).toBe('PROTOCOL');
    vi.advanceTimersByTime(125);
    expect(sentOf(socket, 'subscribe')).toHaveLength(2);
    client.close();
  });

  it('resubscribes from its position when the bridge ends a subscription', () => {
    const { client } = setup();
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    snapshot(socket, sub, { a: 1 }, at(5));
    socket.receive({ type: 'unsubscribed', sub });
    vi.advanceTimersByTime(125);
    expect(sentOf(socket, 'subscribe').at(-1)).toMatchObject({ table: 'prices', position: at(5) });
    client.close();
  });

  it('uses the default factory for missing keys', () => {
    const { client } = setup();
    const counts = client.table<number>('counts', { default: () => 0 });
    expect(counts.get('missing')).toBe(0);
    client.close();
  });
});
