import { describe, expect, it } from 'vitest';
import { indexedDbCache, memoryCache, storageCache } from './table-cache.js';

/**
 * Just enough of IndexedDB for `indexedDbCache`: databases of out-of-line keyed stores,
 * requests that succeed on a later microtask, transactions that complete after their request.
 * Values are stored as structured clones, as the real thing does.
 */
function fakeIndexedDb(options: { failOpen?: boolean } = {}) {
  const databases = new Map<string, Map<string, Map<string, unknown>>>();
  const later = (fn: () => void) => void Promise.resolve().then(fn);
  let opens = 0;
  const factory = {
    open(name: string) {
      opens++;
      const request: Record<string, unknown> & {
        onupgradeneeded?: () => void;
        onsuccess?: () => void;
        onerror?: () => void;
      } = {};
      later(() => {
        if (options.failOpen) {
          request.error = new Error('denied');
          request.onerror?.();
          return;
        }
        const fresh = !databases.has(name);
        if (fresh) databases.set(name, new Map());
        const stores = databases.get(name)!;
        const db = {
          objectStoreNames: { contains: (store: string) => stores.has(store) },
          createObjectStore: (store: string) => stores.set(store, new Map()),
          close: () => {},
          transaction(storeName: string) {
            const tx: Record<string, unknown> & { oncomplete?: () => void } = {};
            tx.objectStore = () => {
              const data = stores.get(storeName)!;
              const run = (fn: () => unknown) => {
                const req: { result?: unknown } = {};
                later(() => {
                  req.result = fn();
                  later(() => tx.oncomplete?.());
                });
                return req;
              };
              return {
                get: (key: string) => run(() => structuredClone(data.get(key))),
                put: (value: unknown, key: string) =>
                  run(() => data.set(key, structuredClone(value))),
                delete: (key: string) => run(() => data.delete(key)),
              };
            };
            return tx;
          },
        };
        request.result = db;
        if (fresh) request.onupgradeneeded?.();
        request.onsuccess?.();
      });
      return request;
    },
  };
  return {
    factory: factory as unknown as IDBFactory,
    databases,
    get opens() {
      return opens;
    },
  };
}

describe('caches', () => {
  it('indexedDbCache saves, loads and deletes structured clones in one lazily opened db', async () => {
    const idb = fakeIndexedDb();
    const cache = indexedDbCache({ dbName: 'app', indexedDB: idb.factory });
    expect(idb.opens).toBe(0);
    expect(await cache.load('k')).toBeUndefined();
    await cache.save('k', { v: 1, at: new Date(1) });
    expect(await cache.load('k')).toEqual({ v: 1, at: new Date(1) });
    await cache.delete?.('k');
    expect(await cache.load('k')).toBeUndefined();
    expect(idb.opens).toBe(1);
    expect([...idb.databases.get('app')!.keys()]).toEqual(['tables']);
  });

  it('indexedDbCache rejects when there is no IndexedDB, and retries a failed open', async () => {
    await expect(indexedDbCache({}).load('k')).rejects.toThrow(/no indexedDB/);
    const idb = fakeIndexedDb({ failOpen: true });
    const cache = indexedDbCache({ indexedDB: idb.factory });
    await expect(cache.load('k')).rejects.toThrow('denied');
    await expect(cache.load('k')).rejects.toThrow('denied');
    expect(idb.opens).toBe(2);
  });

  it('storageCache namespaces keys and stores JSON text', () => {
    const items = new Map<string, string>();
    const storage = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
    };
    const cache = storageCache(storage, { prefix: 'u1:' });
    expect(cache.load('k')).toBeUndefined();
    cache.save('k', { a: [1] });
    expect([...items]).toEqual([['u1:k', '{"a":[1]}']]);
    expect(cache.load('k')).toEqual({ a: [1] });
    cache.delete?.('k');
    expect(items.size).toBe(0);
    expect(() => storageCache({} as never)).toThrow(TypeError);
  });

  it('memoryCache keeps entries by key', () => {
    const cache = memoryCache();
    cache.save('k', 1);
    expect(cache.load('k')).toBe(1);
    cache.delete?.('k');
    expect(cache.entries.size).toBe(0);
  });
});
