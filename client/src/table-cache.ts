/**
 * Where the client keeps each table's last map between page loads. `load` returns what `save`
 * stored under the key (or undefined/null for none); both may be synchronous or asynchronous.
 * The client treats whatever `load` returns as untrusted: a wrong shape, an unknown version or
 * a value that does not decode is discarded and `delete`d, never shown.
 */
export interface TableCache {
  load(key: string): unknown | Promise<unknown>;
  save(key: string, entry: unknown): void | Promise<void>;
  delete?(key: string): void | Promise<void>;
}

/** Keeps entries in this JavaScript realm only: for tests, and for clients recreated in-page. */
export function memoryCache(): TableCache & { readonly entries: ReadonlyMap<string, unknown> } {
  const entries = new Map<string, unknown>();
  return {
    entries,
    load: (key) => entries.get(key),
    save: (key, entry) => {
      entries.set(key, entry);
    },
    delete: (key) => {
      entries.delete(key);
    },
  };
}

/** What `storageCache` needs: `localStorage`, `sessionStorage`, or anything shaped like them. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Entries as JSON text under `prefix + key` (default prefix `tablecast:`). Synchronous, so a
 * cached table paints in the same tick as `table()`; but Web Storage is small (about 5 MiB per
 * origin) and blocks the main thread, so it suits small tables. A full storage makes `save`
 * throw, which the client reports to `onError` and otherwise ignores.
 */
export function storageCache(
  storage: StorageLike,
  options: { readonly prefix?: string } = {},
): TableCache {
  if (
    typeof storage?.getItem !== 'function' ||
    typeof storage.setItem !== 'function' ||
    typeof storage.removeItem !== 'function'
  ) {
    throw new TypeError('storageCache: storage needs getItem, setItem and removeItem');
  }
  const prefix = options.prefix ?? 'tablecast:';
  return {
    load: (key) => {
      const text = storage.getItem(prefix + key);
      // Corrupt text throws here, and the client discards the entry like any other bad one.
      return text === null ? undefined : (JSON.parse(text) as unknown);
    },
    save: (key, entry) => storage.setItem(prefix + key, JSON.stringify(entry)),
    delete: (key) => storage.removeItem(prefix + key),
  };
}

export interface IndexedDbCacheOptions {
  /** Default `tablecast`. Use one database per user if several users share a browser profile. */
  readonly dbName?: string;
  /** Default `tables`. */
  readonly storeName?: string;
  /** Default the `indexedDB` global; injectable for tests and workers. */
  readonly indexedDB?: IDBFactory;
}

/**
 * Entries in IndexedDB, stored as structured clones (no JSON round trip). Asynchronous: the
 * client waits for a load only briefly (`cacheLoadTimeoutMs`) before subscribing without it.
 * The database opens on first use; if it cannot, each call rejects and the client goes on
 * without a cache.
 */
export function indexedDbCache(options: IndexedDbCacheOptions = {}): TableCache {
  const dbName = options.dbName ?? 'tablecast';
  const storeName = options.storeName ?? 'tables';
  let opening: Promise<IDBDatabase> | undefined;

  const database = (): Promise<IDBDatabase> => {
    if (opening !== undefined) return opening;
    const factory =
      options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory | undefined }).indexedDB;
    if (factory === undefined) {
      return Promise.reject(new TypeError('indexedDbCache: no indexedDB in this environment'));
    }
    opening = new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(dbName, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(storeName)) db.createObjectStore(storeName);
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading the database must not be blocked by this connection.
        db.onversionchange = () => {
          db.close();
          opening = undefined;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`indexedDbCache: opening "${dbName}" is blocked`));
    });
    // A failed open is retried on the next call instead of failing forever.
    opening.catch(() => {
      opening = undefined;
    });
    return opening;
  };

  const run = async <T>(
    mode: IDBTransactionMode,
    operation: (store: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> => {
    const db = await database();
    return new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(storeName, mode);
      const request = operation(transaction.objectStore(storeName));
      // Resolve on commit, not on the request: a write is durable only once its transaction is.
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error ?? request.error);
      transaction.onabort = () => reject(transaction.error ?? new Error('transaction aborted'));
    });
  };

  return {
    load: (key) => run('readonly', (store) => store.get(key)),
    save: async (key, entry) => {
      await run('readwrite', (store) => store.put(entry, key));
    },
    delete: async (key) => {
      await run('readwrite', (store) => store.delete(key));
    },
  };
}
