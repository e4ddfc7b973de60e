import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toWireValue } from '../../shared/src/protocol/index.js';
import type { Position, TableStatus } from '../../shared/src/protocol/messages.js';
import { parseBootstrap, type TableBootstrap } from './bootstrap.js';
import { CACHE_FORMAT_VERSION, cacheKey } from './cache-entry.js';
import type { ClientOptions } from './client-options.js';
import { createClient } from './create-client.js';
import type { TablecastClientError } from './errors.js';
import { superjsonValues } from './superjson-values.js';
import { memoryCache, storageCache, type TableCache } from './table-cache.js';
import { FakeWebSocket } from './test/fake-websocket.js';
import { at } from './test/live-store.js';
import type { VisibilitySource } from './visibility.js';

function setup(overrides: Partial<ClientOptions> = {}) {
  const errors: TablecastClientError[] = [];
  const client = createClient({
    url: 'ws://bridge.test/tables',
    WebSocket: FakeWebSocket,
    random: () => 0.5,
    onError: (error) => errors.push(error),
    // These tables hold Dates and Maps, and the cache must keep them.
    wireValues: superjsonValues,
    ...overrides,
  });
  return { client, errors };
}

function subscribes(socket: FakeWebSocket) {
  return socket.messages.filter((message) => message.type === 'subscribe');
}

function lastSub(socket: FakeWebSocket): string {
  const subscribe = subscribes(socket).at(-1);
  if (subscribe === undefined) throw new Error('nothing subscribed');
  return subscribe.sub as string;
}

function snapshot(
  socket: FakeWebSocket,
  entries: Record<string, unknown>,
  position: Position,
  options: { mode?: 'reset' | 'resume'; status?: TableStatus; deletes?: string[] } = {},
) {
  const sub = lastSub(socket);
  socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: options.mode ?? 'reset' });
  socket.receive({
    type: 'snapshot-part',
    sub,
    sets: Object.entries(entries).map(([key, value]) => [key, toWireValue(value)] as const),
    deletes: options.deletes ?? [],
  });
  socket.receive({ type: 'snapshot-end', sub, position, status: options.status ?? 'caught_up' });
}

function bootstrapOf(
  entries: Record<string, unknown>,
  position: Position,
  status: TableStatus = 'caught_up',
): TableBootstrap {
  return {
    table: 'prices',
    status,
    position,
    sets: Object.entries(entries).map(([key, value]) => [key, toWireValue(value)] as const),
  };
}

/** A visibility source the test flips. */
function fakeVisibility(hidden = false) {
  const listeners = new Set<() => void>();
  const source: VisibilitySource & { set(hidden: boolean): void; listeners: number } = {
    hidden: () => hidden,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      hidden = next;
      for (const listener of [...listeners]) listener();
    },
    get listeners() {
      return listeners.size;
    },
  };
  return source;
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('bootstrap', () => {
  it('hydrates before table() returns, reports caught_up and subscribes from its position', () => {
    const { client } = setup();
    const when = new Date(5);
    const prices = client.table<unknown>('prices', {
      bootstrap: bootstrapOf({ a: 1, d: when }, at(7, 3)),
    });
    // The first getSnapshot (first React render) already has the data, and it survives superjson.
    expect(Object.fromEntries(prices.getSnapshot())).toEqual({ a: 1, d: when });
    expect(prices.get('d')).toBeInstanceOf(Date);
    expect(prices.status).toBe('caught_up');
    expect(prices.position).toEqual(at(7, 3));
    const socket = FakeWebSocket.last;
    socket.open();
    expect(subscribes(socket)).toEqual([
      { type: 'subscribe', sub: expect.any(String), table: 'prices', position: at(7, 3) },
    ]);
    // Still caught up while the resume is on its way: the data is what the bridge had then.
    expect(prices.status).toBe('caught_up');
    const seen: string[] = [];
    prices.onStatus((status) => seen.push(status));
    snapshot(socket, { b: 2 }, at(9, 3), { mode: 'resume', deletes: ['a'] });
    expect(Object.fromEntries(prices)).toEqual({ b: 2, d: when });
    expect(prices.status).toBe('caught_up');
    expect(seen).toEqual([]);
    client.close();
  });

  it('reports loading for a bootstrap that was not caught up, until the bridge says so', async () => {
    const { client } = setup();
    const prices = client.table('prices', { bootstrap: bootstrapOf({ a: 1 }, at(1), 'loading') });
    expect(prices.get('a')).toBe(1);
    expect(prices.status).toBe('loading');
    FakeWebSocket.last.open();
    snapshot(FakeWebSocket.last, {}, at(1), { mode: 'resume' });
    expect(prices.status).toBe('caught_up');
    await expect(prices.whenCaughtUp({ timeoutMs: 0 })).resolves.toBe(true);
    client.close();
  });

  it('takes the bridge reset over the bootstrap when the topic changed', () => {
    const { client } = setup();
    const prices = client.table('prices', { bootstrap: bootstrapOf({ a: 1 }, at(7)) });
    FakeWebSocket.last.open();
    snapshot(FakeWebSocket.last, { z: 26 }, { topicId: 't2', offsets: [1] });
    expect(Object.fromEntries(prices)).toEqual({ z: 26 });
    client.close();
  });

  it('narrows a whole-table bootstrap to the handle filter', () => {
    const { client } = setup();
    const eu = client.table('prices', {
      prefix: 'eu/',
      bootstrap: bootstrapOf({ 'eu/a': 1, 'us/b': 2 }, at(4)),
    });
    expect([...eu.keys()]).toEqual(['eu/a']);
    FakeWebSocket.last.open();
    expect(subscribes(FakeWebSocket.last)[0]).toMatchObject({
      position: at(4),
      filter: { prefix: 'eu/' },
    });
    client.close();
  });

  it('hydrates a shared handle that has no data yet, and ignores it for one that has', () => {
    const { client } = setup();
    const first = client.table('prices');
    const socket = FakeWebSocket.last;
    const second = client.table('prices', { bootstrap: bootstrapOf({ a: 1 }, at(3)) });
    expect(second).toBe(first);
    expect(first.get('a')).toBe(1);
    socket.open();
    expect(subscribes(socket)[0]).toMatchObject({ position: at(3) });
    snapshot(socket, { a: 2 }, at(5), { mode: 'resume' });
    client.table('prices', { bootstrap: bootstrapOf({ a: 0 }, at(1)) });
    expect(first.get('a')).toBe(2);
    client.close();
  });

  it('refuses a malformed bootstrap with a TypeError naming the problem', () => {
    const { client } = setup();
    const good = bootstrapOf({ a: 1 }, at(1));
    const bad = (value: unknown) => () =>
      client.table('prices', { bootstrap: value as TableBootstrap });
    expect(bad({ ...good, position: { topicId: 't1', offsets: [-1] } })).toThrow(
      /bootstrap\.position\.offsets\[0\] must be a non-negative integer, got -1/,
    );
    expect(bad({ ...good, status: 'ready' })).toThrow(TypeError);
    expect(bad({ ...good, sets: [['a', 1]] })).toThrow(/bootstrap\.sets\[0\]\[1\]/);
    expect(bad({ ...good, extra: 1 })).toThrow(/unknown field "extra"/);
    expect(bad({ ...good, table: 'users' })).toThrow(/for table "users"/);
    expect(bad({ ...good, sets: [['a', [{}, { values: 'nonsense' }]]] })).toThrow(TypeError);
    expect(bad(null)).toThrow(TypeError);
    // Nothing was half-created: the socket was never opened.
    expect(FakeWebSocket.instances).toHaveLength(0);
    client.close();
  });

  it('parseBootstrap accepts the object or its JSON text', () => {
    const good = bootstrapOf({ a: new Date(0) }, at(2));
    expect(parseBootstrap(JSON.parse(JSON.stringify(good)))).toEqual(good);
    expect(parseBootstrap(JSON.stringify(good))).toEqual(good);
    expect(() => parseBootstrap('{nope')).toThrow(/not valid JSON/);
    expect(() => parseBootstrap({ position: at(1), sets: [] })).toThrow(
      /bootstrap\.status is missing/,
    );
  });
});

describe('cache', () => {
  const key = cacheKey('prices', undefined);
  const entryOf = (entries: Record<string, unknown>, position: Position) => ({
    v: CACHE_FORMAT_VERSION,
    key,
    table: 'prices',
    position,
    sets: Object.entries(entries).map(([k, value]) => [k, toWireValue(value)]),
    savedAt: 0,
  });

  it('paints a synchronous cache at once, stays loading, resumes from the cached position', () => {
    const cache = memoryCache();
    cache.save(key, entryOf({ a: 1, when: new Date(3) }, at(4)));
    const { client } = setup({ cache });
    const prices = client.table('prices');
    expect(Object.fromEntries(prices.getSnapshot())).toEqual({ a: 1, when: new Date(3) });
    expect(prices.status).toBe('loading');
    const socket = FakeWebSocket.last;
    socket.open();
    expect(subscribes(socket)[0]).toMatchObject({ position: at(4) });
    expect(prices.status).toBe('loading');
    snapshot(socket, { b: 2 }, at(6), { mode: 'resume' });
    expect(Object.fromEntries(prices)).toEqual({ a: 1, when: new Date(3), b: 2 });
    expect(prices.status).toBe('caught_up');
    client.close();
  });

  it('saves at most once per interval, and on close', () => {
    const saved: unknown[] = [];
    const cache: TableCache = {
      load: () => undefined,
      save: (_key, entry) => void saved.push(entry),
    };
    const { client } = setup({ cache, cacheSaveIntervalMs: 1_000 });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    snapshot(socket, { a: 1 }, at(1));
    for (let i = 2; i < 6; i++) {
      socket.receive({
        type: 'delta',
        table: 'prices',
        sets: [['a', [i]]],
        deletes: [],
        position: at(i),
      });
    }
    expect(saved).toHaveLength(0);
    vi.advanceTimersByTime(1_000);
    expect(saved).toEqual([
      { v: 1, key, table: 'prices', position: at(5), sets: [['a', [5]]], savedAt: Date.now() },
    ]);
    // A delta that moved only the position is saved too: the next resume starts later.
    socket.receive({ type: 'delta', table: 'prices', sets: [], deletes: [], position: at(9) });
    prices.close();
    expect(saved).toHaveLength(2);
    expect(saved[1]).toMatchObject({ position: at(9) });
    client.close();
    expect(saved).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    ['a wrong version', { ...entryOf({ a: 1 }, at(1)), v: 99 }],
    ['a wrong key', { ...entryOf({ a: 1 }, at(1)), key: '["users",null]' }],
    ['a bad position', { ...entryOf({ a: 1 }, at(1)), position: { topicId: '', offsets: [] } }],
    ['bad sets', { ...entryOf({ a: 1 }, at(1)), sets: [['a']] }],
    ['an undecodable value', { ...entryOf({}, at(1)), sets: [['a', [{}, { values: 'x' }]]] }],
    ['not an object', 'hello'],
  ])('discards and deletes an entry with %s', (_what, entry) => {
    const cache = memoryCache();
    cache.save(key, entry);
    const { client, errors } = setup({ cache });
    const prices = client.table('prices');
    expect(prices.size).toBe(0);
    expect(prices.position).toBeUndefined();
    expect(errors.map((error) => error.code)).toEqual(['CACHE']);
    expect(cache.entries.has(key)).toBe(false);
    FakeWebSocket.last.open();
    expect(subscribes(FakeWebSocket.last)[0]).not.toHaveProperty('position');
    client.close();
  });

  it('discards a throwing load and corrupt storage text', () => {
    const storage = new Map<string, string>();
    const local = {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    };
    storage.set(`tablecast:${key}`, '{"v":1,');
    const { client, errors } = setup({ cache: storageCache(local) });
    const prices = client.table('prices');
    expect(prices.size).toBe(0);
    expect(errors[0]?.code).toBe('CACHE');
    expect(storage.size).toBe(0);
    // And a round trip through the storage works.
    FakeWebSocket.last.open();
    snapshot(FakeWebSocket.last, { a: new Map([[1, 2]]) }, at(2));
    prices.close();
    client.close();
    const second = setup({ cache: storageCache(local) });
    expect(second.client.table('prices').get('a')).toEqual(new Map([[1, 2]]));
    second.client.close();
  });

  it('waits briefly for an asynchronous load, then subscribes with its position', async () => {
    let resolve!: (value: unknown) => void;
    const cache: TableCache = { load: () => new Promise((r) => (resolve = r)), save: () => {} };
    const { client } = setup({ cache, cacheLoadTimeoutMs: 200 });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    expect(subscribes(socket)).toHaveLength(0);
    resolve(entryOf({ a: 1 }, at(3)));
    await vi.advanceTimersByTimeAsync(0);
    expect(prices.get('a')).toBe(1);
    expect(subscribes(socket)).toEqual([expect.objectContaining({ position: at(3) })]);
    client.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('subscribes without a slow load after the bound, and the snapshot wins over it', async () => {
    let resolve!: (value: unknown) => void;
    const cache: TableCache = { load: () => new Promise((r) => (resolve = r)), save: () => {} };
    const { client } = setup({ cache, cacheLoadTimeoutMs: 200 });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    await vi.advanceTimersByTimeAsync(200);
    expect(subscribes(socket)).toEqual([
      { type: 'subscribe', sub: expect.any(String), table: 'prices' },
    ]);
    snapshot(socket, { a: 2 }, at(5));
    resolve(entryOf({ a: 1, old: true }, at(3)));
    await vi.advanceTimersByTimeAsync(0);
    expect(Object.fromEntries(prices)).toEqual({ a: 2 });
    expect(subscribes(socket)).toHaveLength(1);
    client.close();
  });

  it('reports a rejected load and a failing save without breaking the table', async () => {
    const cache: TableCache = {
      load: () => Promise.reject(new Error('idb gone')),
      save: () => {
        throw new Error('quota');
      },
    };
    const { client, errors } = setup({ cache });
    const prices = client.table('prices');
    FakeWebSocket.last.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(subscribes(FakeWebSocket.last)).toHaveLength(1);
    snapshot(FakeWebSocket.last, { a: 1 }, at(1));
    vi.advanceTimersByTime(1_000);
    expect(prices.get('a')).toBe(1);
    expect(errors.map((error) => error.code)).toEqual(['CACHE', 'CACHE']);
    client.close();
  });

  it('deletes the saved copy of a table the bridge refuses', () => {
    const cache = memoryCache();
    cache.save(key, entryOf({ secret: 1 }, at(1)));
    const { client } = setup({ cache });
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    socket.receive({ type: 'error', code: 'FORBIDDEN', message: 'no', sub: lastSub(socket) });
    expect(cache.entries.has(key)).toBe(false);
    client.close();
  });

  it('prefers a bootstrap to the cache', () => {
    const cache = memoryCache();
    cache.save(key, entryOf({ a: 'cached' }, at(1)));
    const { client } = setup({ cache });
    const prices = client.table('prices', { bootstrap: bootstrapOf({ a: 'server' }, at(2)) });
    expect(prices.get('a')).toBe('server');
    client.close();
    expect(cache.entries.get(key)).toMatchObject({ position: at(2), sets: [['a', ['server']]] });
  });
});

describe('pause when hidden', () => {
  it('unsubscribes after the grace period and resumes from the positions when visible', () => {
    const visibility = fakeVisibility();
    const { client } = setup({ visibility, hiddenGraceMs: 5_000 });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    snapshot(socket, { a: 1 }, at(4));
    visibility.set(true);
    vi.advanceTimersByTime(4_999);
    expect(socket.messages.filter((m) => m.type === 'unsubscribe')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(socket.messages.filter((m) => m.type === 'unsubscribe')).toEqual([
      { type: 'unsubscribe', sub },
    ]);
    expect(prices.get('a')).toBe(1);
    expect(prices.status).toBe('degraded');
    expect(prices.statusReason).toBe('paused while the page is hidden');
    // Deltas of the old subscription that were already in flight are dropped.
    socket.receive({
      type: 'delta',
      table: 'prices',
      sets: [['a', [9]]],
      deletes: [],
      position: at(5),
    });
    expect(prices.get('a')).toBe(1);
    // The socket stays open: coming back is one subscribe, not a new connection.
    expect(socket.closed).toBe(false);
    // Tables opened while paused wait too.
    client.table('users');
    expect(subscribes(socket)).toHaveLength(1);
    visibility.set(false);
    expect(subscribes(socket).slice(1)).toEqual([
      { type: 'subscribe', sub: expect.any(String), table: 'prices', position: at(4) },
      { type: 'subscribe', sub: expect.any(String), table: 'users' },
    ]);
    expect(prices.status).toBe('loading');
    client.close();
    expect(visibility.listeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not pause for a short hide, and saves the cache on hide', () => {
    const visibility = fakeVisibility();
    const cache = memoryCache();
    const { client } = setup({ visibility, cache, cacheSaveIntervalMs: 60_000 });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    snapshot(socket, { a: 1 }, at(4));
    visibility.set(true);
    expect(cache.entries.get(cacheKey('prices', undefined))).toMatchObject({ position: at(4) });
    vi.advanceTimersByTime(3_000);
    visibility.set(false);
    vi.advanceTimersByTime(10_000);
    expect(socket.messages.filter((m) => m.type === 'unsubscribe')).toHaveLength(0);
    expect(prices.status).toBe('caught_up');
    client.close();
  });

  it('does not resubscribe on reconnect while paused', () => {
    const visibility = fakeVisibility(true);
    const { client } = setup({ visibility, hiddenGraceMs: 100 });
    client.table('prices');
    FakeWebSocket.last.open();
    vi.advanceTimersByTime(100);
    FakeWebSocket.last.serverClose(1006);
    vi.advanceTimersByTime(125);
    const second = FakeWebSocket.last;
    second.open();
    expect(subscribes(second)).toHaveLength(0);
    visibility.set(false);
    expect(subscribes(second)).toHaveLength(1);
    client.close();
  });

  it('is off without a visibility source, or when disabled', () => {
    const visibility = fakeVisibility();
    const { client } = setup({ visibility, pauseWhenHidden: false });
    client.table('prices');
    FakeWebSocket.last.open();
    visibility.set(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.last.messages.filter((m) => m.type === 'unsubscribe')).toHaveLength(0);
    // Not needed for anything: not even listened to.
    expect(visibility.listeners).toBe(0);
    client.close();
  });

  it('uses document.visibilityState by default', () => {
    const listeners = new Set<() => void>();
    const doc = {
      visibilityState: 'visible',
      addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
      removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
    };
    vi.stubGlobal('document', doc);
    try {
      const { client } = setup();
      client.table('prices');
      FakeWebSocket.last.open();
      expect(listeners.size).toBe(1);
      doc.visibilityState = 'hidden';
      for (const listener of listeners) listener();
      vi.advanceTimersByTime(5_000);
      expect(FakeWebSocket.last.messages.filter((m) => m.type === 'unsubscribe')).toHaveLength(1);
      client.close();
      expect(listeners.size).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
