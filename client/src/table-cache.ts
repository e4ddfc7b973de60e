import type { KeyFilter, Position, WireSet } from '../../shared/src/protocol/messages.js';
import {
  expectName,
  expectObject,
  expectPosition,
  expectSets,
  invalid,
  isObject,
} from '../../shared/src/protocol/validate.js';
import { asTypeError, decodeSets } from './bootstrap.js';
import type { DecodedSet } from './table-store.js';

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

/**
 * The format of saved entries. Bumped whenever the shape changes, so entries written by another
 * version of the client are dropped instead of misread.
 */
export const CACHE_FORMAT_VERSION = 1;

/** One saved table: its map as wire sets at `position`, under the handle's name and filter. */
export interface CacheEntry {
  readonly v: typeof CACHE_FORMAT_VERSION;
  /** The cache key, repeated so that an entry copied under another key is not trusted. */
  readonly key: string;
  readonly table: string;
  readonly position: Position;
  readonly sets: readonly WireSet[];
  readonly savedAt: number;
}

/** The cache key of a handle: its name and normalised filter, as the client shares handles. */
export function cacheKey(table: string, filter: KeyFilter | undefined): string {
  return JSON.stringify([table, filter ?? null]);
}

/**
 * Validates and decodes a loaded entry. Throws a TypeError saying why it cannot be trusted; the
 * caller discards it. `undefined` is a miss.
 */
export function readCacheEntry(
  value: unknown,
  key: string,
): { position: Position; sets: DecodedSet<unknown>[] } | undefined {
  if (value === undefined || value === null) return undefined;
  return asTypeError('cache entry', () => {
    const entry = expectObject(value, 'entry');
    if (entry.v !== CACHE_FORMAT_VERSION) {
      invalid('entry.v', `format version ${CACHE_FORMAT_VERSION}`, entry.v);
    }
    if (entry.key !== key) invalid('entry.key', JSON.stringify(key), entry.key);
    expectName(entry.table, 'entry.table');
    const position = expectPosition(entry.position, 'entry.position');
    // Saved per name and filter, so no filtering here: the key already pins the filter.
    const sets = decodeSets(expectSets(entry.sets, 'entry.sets'), undefined);
    return { position, sets };
  });
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

/** Whether a value has a `then`: a cache may answer synchronously or with a promise. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return isObject(value) && typeof (value as { then?: unknown }).then === 'function';
}
