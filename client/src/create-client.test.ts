import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type WsWebSocket from 'ws';
import type { ServerMessage } from '../../shared/src/protocol/messages.js';
import { createClient } from './create-client.js';
import { at, delta, lastSub, sentOf, setup, snapshot } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';
import type { WebSocketLikeConstructor } from './websocket-like.js';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createClient options', () => {
  it('rejects invalid and conflicting options at construction', () => {
    expect(() => createClient({ url: '' })).toThrow(TypeError);
    expect(() =>
      createClient({ url: 'ws://x', WebSocket: FakeWebSocket, backoff: { maxDelayMs: -1 } }),
    ).toThrow(RangeError);
    expect(() =>
      createClient({
        url: 'ws://x',
        WebSocket: FakeWebSocket,
        backoff: { initialDelayMs: 10, maxDelayMs: 5 },
      }),
    ).toThrow(RangeError);
    const { client } = setup();
    expect(() => client.table('prices', { keys: ['a'], prefix: 'a' })).toThrow(TypeError);
    client.close();
  });

  it('explains a missing WebSocket', () => {
    vi.stubGlobal('WebSocket', undefined);
    try {
      expect(() => createClient({ url: 'ws://x' })).toThrow(/WebSocket/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('accepts the constructors of browsers and of ws', () => {
    expectTypeOf<typeof WebSocket>().toExtend<WebSocketLikeConstructor>();
    expectTypeOf<typeof WsWebSocket>().toExtend<WebSocketLikeConstructor>();
  });
});

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
    snapshot(second, lastSubFor(second, 'prices'), { b: 2 }, at(9), { mode: 'resume' });
    expect(Object.fromEntries(prices)).toEqual({ a: 1, b: 2 });
    expect(prices.status).toBe('caught_up');
    client.close();
  });

  it('re-evaluates the token on every connect and sends it as a query parameter', async () => {
    let n = 0;
    const { client } = setup({ token: () => `t${++n}`, headers: () => ({ 'x-n': String(n) }) });
    client.table('prices');
    expect(FakeWebSocket.last.url).toBe('ws://bridge.test/tables?token=t1');
    expect(FakeWebSocket.last.options).toEqual({
      headers: { 'x-n': '1' },
      maxPayload: 64 * 1024 * 1024,
    });
    FakeWebSocket.last.serverClose(1006);
    vi.advanceTimersByTime(125);
    expect(FakeWebSocket.last.url).toBe('ws://bridge.test/tables?token=t2');
    client.close();
  });

  it('waits for asynchronous url and token', async () => {
    const { client } = setup({
      url: async () => 'ws://replica-2/tables?x=1',
      token: async () => 'secret token',
    });
    client.table('prices');
    expect(FakeWebSocket.instances).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.last.url).toBe('ws://replica-2/tables?x=1&token=secret%20token');
    client.close();
  });

  it('reports a failing token function and retries with backoff', () => {
    let fail = true;
    const { client, errors } = setup({
      token: () => {
        if (fail) throw new Error('no session');
        return 'ok';
      },
    });
    client.table('prices');
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(errors[0]?.code).toBe('CONNECTION');
    fail = false;
    vi.advanceTimersByTime(125);
    expect(FakeWebSocket.instances).toHaveLength(1);
    client.close();
  });

  it('waits authDelayMs after an auth close code and reports AUTH', () => {
    const { client, errors } = setup({ backoff: { authDelayMs: 5_000 } });
    client.table('prices');
    FakeWebSocket.last.open();
    FakeWebSocket.last.serverClose(4401, 'token expired');
    expect(errors.map((error) => error.code)).toEqual(['AUTH']);
    vi.advanceTimersByTime(4_999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    client.close();
  });

  it('treats FORBIDDEN without a sub as an auth failure', () => {
    const { client, errors } = setup();
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    socket.receive({ type: 'error', code: 'FORBIDDEN', message: 'bad token' });
    expect(errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
    expect(socket.closed).toBe(true);
    vi.advanceTimersByTime(29_999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
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
    snapshot(FakeWebSocket.last, lastSubFor(FakeWebSocket.last, 'prices'), { a: 1 }, at(1));
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
    const allSub = lastSubFor(socket, 'prices', false);
    const someSub = lastSubFor(socket, 'prices', true);
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

function lastSubFor(socket: FakeWebSocket, table: string, filtered?: boolean): string {
  const match = sentOf(socket, 'subscribe')
    .filter((message) => message.table === table)
    .filter((message) => filtered === undefined || (message.filter !== undefined) === filtered)
    .at(-1);
  if (match === undefined) throw new Error(`no subscribe for ${table}`);
  return match.sub as string;
}
