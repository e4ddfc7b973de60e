import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toWireValue } from '../../shared/src/protocol/index.js';
import { cacheKey } from './cache-entry.js';
import { memoryCache } from './table-cache.js';
import { at, delta, lastSub, sentOf, setup, snapshot } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';

// The client does not trust its peer: every message is checked against the subscription it
// names, the handshake against §1, frames against a size limit.
beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

function live(overrides: Parameters<typeof setup>[0] = {}) {
  const harness = setup(overrides);
  const prices = harness.client.table<number>('prices');
  const socket = FakeWebSocket.last;
  socket.open();
  snapshot(socket, lastSub(socket), { a: 1 }, at(1));
  harness.errors.length = 0;
  return { ...harness, prices, socket };
}

describe('messages are checked against the subscription they name', () => {
  it("a snapshot labelled with another table's name is a protocol error, resynced, never applied", () => {
    const { client, errors } = setup();
    const prices = client.table<number>('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    snapshot(socket, sub, { secret: 1 }, at(1), { table: 'salaries' });
    expect(prices.size).toBe(0);
    expect(errors[0]).toMatchObject({ code: 'PROTOCOL', table: 'prices' });
    expect(errors[0]?.message).toMatch(/names table "salaries", not "prices"/);
    expect(sentOf(socket, 'unsubscribe')).toEqual([{ type: 'unsubscribe', sub }]);
    vi.advanceTimersByTime(125);
    expect(sentOf(socket, 'subscribe')).toHaveLength(2);
    expect(sentOf(socket, 'subscribe')[1]).not.toHaveProperty('position');
    client.close();
  });

  it('a delta for an unknown sub is a protocol error and touches no table', () => {
    const { client, prices, socket, errors } = live();
    socket.receive(delta({ a: 666 }, at(2), { sub: 's999' }));
    expect(prices.get('a')).toBe(1);
    expect(errors.map((error) => [error.code, error.message])).toEqual([
      ['PROTOCOL', 'The bridge broke the protocol: delta for subscription s999, which is not live'],
    ]);
    client.close();
  });

  it('a delta addressed to an unfiltered subscription by sub is refused and resynced', () => {
    const { client, prices, socket, errors } = live();
    const sub = lastSub(socket);
    socket.receive(delta({ a: 2 }, at(2), { sub }));
    expect(prices.get('a')).toBe(1);
    expect(errors[0]?.code).toBe('PROTOCOL');
    expect(sentOf(socket, 'unsubscribe')).toEqual([{ type: 'unsubscribe', sub }]);
    client.close();
  });

  it('a table delta or status for a table with no subscription is reported, not applied', () => {
    const { client, prices, socket, errors } = live();
    socket.receive(delta({ x: 1 }, at(2), { table: 'users' }));
    socket.receive({ type: 'status', table: 'users', status: 'failed', reason: 'gone' });
    expect(errors.map((error) => error.code)).toEqual(['PROTOCOL', 'PROTOCOL']);
    expect(prices.status).toBe('caught_up');
    client.close();
  });

  it('messages after an error ended the sub are protocol errors (I12)', () => {
    const { client, prices, socket, errors } = live();
    const sub = lastSub(socket);
    socket.receive({ type: 'error', code: 'UNKNOWN_TABLE', message: 'no such table', sub });
    errors.length = 0;
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
    expect(errors.map((error) => error.code)).toEqual(['PROTOCOL']);
    expect(prices.status).toBe('failed');
    client.close();
  });

  it('DUPLICATE_SUBSCRIPTION naming a live sub ends nothing: the subscription carries on (§10)', () => {
    const { client, prices, socket, errors } = live();
    const sub = lastSub(socket);
    socket.receive({ type: 'error', code: 'DUPLICATE_SUBSCRIPTION', message: 'dup', sub });
    socket.receive(delta({ a: 2 }, at(2), { table: 'prices' }));
    expect(prices.get('a')).toBe(2);
    expect(prices.status).toBe('caught_up');
    expect(errors.map((error) => error.code)).toEqual(['DUPLICATE_SUBSCRIPTION']);
    expect(sentOf(socket, 'unsubscribe')).toEqual([]);
    client.close();
  });

  it('an error it cannot parse that names a sub resyncs that sub, which it may have ended (I12)', () => {
    const { client, socket, errors } = live();
    const sub = lastSub(socket);
    socket.receiveRaw(
      JSON.stringify({ type: 'error', code: 'OVERLOADED', message: 'busy', sub, retryInMs: 5 }),
    );
    expect(errors.map((error) => error.code)).toEqual(['PROTOCOL']);
    expect(sentOf(socket, 'unsubscribe')).toEqual([{ type: 'unsubscribe', sub }]);
    vi.advanceTimersByTime(125);
    expect(sentOf(socket, 'subscribe')).toHaveLength(2);
    client.close();
  });

  it('a frame that is not UTF-8 resyncs every subscription: what it said is lost (§1)', () => {
    const { client, socket, errors } = live();
    const sub = lastSub(socket);
    socket.receiveRaw(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]).buffer);
    expect(errors.map((error) => error.code)).toEqual(['PROTOCOL']);
    expect(sentOf(socket, 'unsubscribe')).toEqual([{ type: 'unsubscribe', sub }]);
    client.close();
  });

  it('keeps its retry backoff across snapshots that break at once; a sub live for healthyAfterMs starts over', () => {
    const { client, socket } = live();
    const subscribes = () => sentOf(socket, 'subscribe').length;
    const breakSequence = () =>
      socket.receive({ type: 'snapshot-part', sub: lastSub(socket), sets: [], deletes: [] });
    breakSequence();
    vi.advanceTimersByTime(125); // 250 ms window, jitter 0.5
    expect(subscribes()).toBe(2);
    snapshot(socket, lastSub(socket), { a: 1 }, at(2));
    breakSequence();
    vi.advanceTimersByTime(125);
    expect(subscribes()).toBe(2); // the window doubled: 250 ms
    vi.advanceTimersByTime(125);
    expect(subscribes()).toBe(3);
    snapshot(socket, lastSub(socket), { a: 1 }, at(3));
    vi.advanceTimersByTime(10_000);
    breakSequence();
    vi.advanceTimersByTime(125);
    expect(subscribes()).toBe(4);
    client.close();
  });

  it('late messages for a sub this client unsubscribed are dropped quietly until unsubscribed', () => {
    const { client, prices, socket, errors } = live();
    const sub = lastSub(socket);
    prices.close();
    socket.receive(delta({ a: 2 }, at(2), { table: 'prices' }));
    socket.receive({ type: 'status', table: 'prices', status: 'degraded' });
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'resume' });
    expect(errors).toEqual([]);
    socket.receive({ type: 'unsubscribed', sub });
    socket.receive({ type: 'snapshot-end', sub, position: at(3), status: 'caught_up' });
    expect(errors.map((error) => error.code)).toEqual(['PROTOCOL']);
    client.close();
  });
});

describe('handshake (§1)', () => {
  it('a server that selects no subprotocol fails the client for good instead of reconnecting', () => {
    const { client, errors } = setup();
    const prices = client.table('prices');
    FakeWebSocket.last.open({ protocol: '' });
    expect(client.connection).toBe('failed');
    expect(errors.map((error) => error.code)).toEqual(['PROTOCOL_VERSION']);
    expect(prices.status).toBe('failed');
    expect(prices.statusReason).toMatch(/not "tablecast\.v1"/);
    expect(FakeWebSocket.last.closed).toBe(true);
    vi.advanceTimersByTime(10 * 60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    // A handle asked for later fails at once with the same reason.
    expect(client.table('users').status).toBe('failed');
    client.close();
    expect(client.connection).toBe('failed');
  });

  it('a stand-in that never sends welcome fails: its first message is something else', () => {
    const { client, errors } = setup();
    const prices = client.table<number>('prices');
    const socket = FakeWebSocket.last;
    socket.open({ welcome: false });
    snapshot(socket, lastSub(socket), { a: 1 }, at(1));
    expect(client.connection).toBe('failed');
    expect(errors[0]).toMatchObject({ code: 'PROTOCOL_VERSION' });
    expect(errors[0]?.message).toMatch(/first message is "snapshot-begin", not "welcome"/);
    expect(prices.size).toBe(0);
    client.close();
  });

  it('a welcome of another version fails the client', () => {
    const { client, errors } = setup();
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open({ welcome: false });
    socket.receiveRaw(JSON.stringify({ type: 'welcome', version: 2, bridge: 'b' }));
    expect(client.connection).toBe('failed');
    expect(errors[0]?.code).toBe('PROTOCOL_VERSION');
    client.close();
  });

  it('a silent peer is dropped after welcomeTimeoutMs and retried with backoff', () => {
    const { client, errors } = setup({ welcomeTimeoutMs: 1_000 });
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open({ welcome: false });
    vi.advanceTimersByTime(999);
    expect(socket.closed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(socket.closed).toBe(true);
    expect(errors.map((error) => error.code)).toEqual(['PROTOCOL']);
    expect(client.connection).toBe('reconnecting');
    vi.advanceTimersByTime(125);
    expect(FakeWebSocket.instances).toHaveLength(2);
    client.close();
  });
});

describe('inbound frame limit (maxMessageBytes)', () => {
  it('a larger frame closes the socket with MESSAGE_TOO_LARGE and reconnects with backoff', () => {
    const { client, prices, socket, errors } = live({ maxMessageBytes: 200 });
    socket.receive(delta({ a: 'x'.repeat(300) }, at(2), { table: 'prices' }));
    expect(prices.get('a')).toBe(1);
    expect(errors.map((error) => error.code)).toEqual(['MESSAGE_TOO_LARGE']);
    expect(errors[0]?.message).toMatch(/maxMessageBytes \(200\)/);
    expect(socket.closed).toBe(true);
    expect(prices.status).toBe('degraded');
    vi.advanceTimersByTime(125);
    expect(FakeWebSocket.instances).toHaveLength(2);
    client.close();
  });

  it('measures binary frames by their bytes', () => {
    const { client, socket, errors } = live({ maxMessageBytes: 150 });
    socket.receiveRaw(new Uint8Array(151).buffer);
    expect(errors.map((error) => error.code)).toEqual(['MESSAGE_TOO_LARGE']);
    client.close();
  });
});

describe('FORBIDDEN for a table', () => {
  it('drops the data, fails the handle with the error and deletes its cache entry', () => {
    const cache = memoryCache();
    const { client, prices, socket } = live({ cache, cacheSaveIntervalMs: 10 });
    vi.advanceTimersByTime(10);
    expect(cache.entries.has(cacheKey('prices', undefined))).toBe(true);
    const batches: number[] = [];
    prices.subscribe(() => batches.push(prices.size));
    socket.receive({
      type: 'error',
      code: 'FORBIDDEN',
      message: 'no longer allowed',
      sub: lastSub(socket),
    });
    expect(prices.size).toBe(0);
    expect(batches).toEqual([0]);
    expect(prices.position).toBeUndefined();
    expect(prices.status).toBe('failed');
    expect(prices.statusReason).toBe('FORBIDDEN: no longer allowed');
    expect(cache.entries.has(cacheKey('prices', undefined))).toBe(false);
    client.close();
  });
});

describe('wire values', () => {
  it('a JSON-only client fails a table whose value needs superjson instead of showing it wrong', () => {
    const { client, errors } = setup();
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
    socket.receive({
      type: 'snapshot-part',
      sub,
      sets: [['when', toWireValue(new Date(0))]],
      deletes: [],
    });
    expect(errors.map((error) => error.code)).toEqual(['UNSUPPORTED_VALUE']);
    expect(prices.status).toBe('failed');
    expect(prices.statusReason).toMatch(/superjsonValues/);
    expect(sentOf(socket, 'unsubscribe')).toEqual([{ type: 'unsubscribe', sub }]);
    // No resubscribe loop: the same value would come back every time.
    vi.advanceTimersByTime(60_000);
    expect(sentOf(socket, 'subscribe')).toHaveLength(1);
    client.close();
  });
});
