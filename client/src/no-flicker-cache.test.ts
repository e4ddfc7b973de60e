import { describe, expect, it, vi } from 'vitest';
import { toWireValue } from '../../shared/src/protocol/index.js';
import type { Position } from '../../shared/src/protocol/messages.js';
import { CACHE_FORMAT_VERSION, cacheKey } from './cache-entry.js';
import { memoryCache, storageCache, type TableCache } from './table-cache.js';
import { fakeTimeAndSockets, lastSub } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';
import { at } from './test/live-store.js';
import { bootstrapOf, setup, snapshot, subscribes } from './test/no-flicker-harness.js';

fakeTimeAndSockets();

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
