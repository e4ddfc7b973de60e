import { isThenable } from '../../shared/src/is-thenable.js';
import { CACHE_FORMAT_VERSION, type CacheEntry, readCacheEntry } from './cache-entry.js';
import type { ResolvedClientOptions } from './client-options.js';
import { TablecastClientError } from './errors.js';
import type { HandleEntry } from './handle-entry.js';
import type { TableCache } from './table-cache.js';

/** What the cache sync needs from the rest of the client. */
export interface CacheSyncHost {
  /** Whether the entry is still live (not released, client not closed). */
  live(entry: HandleEntry): boolean;
  /** A held-back first subscribe may go now. */
  ready(entry: HandleEntry): void;
  report(error: TablecastClientError): void;
}

/**
 * Keeps each handle's map in the optional `cache`: paints a new handle from it, saves changes
 * (throttled, and at once on release, close and page hide), and deletes entries that cannot be
 * trusted or must not paint again. A no-op without a cache.
 */
export class CacheSync {
  readonly #options: ResolvedClientOptions;
  readonly #cache: TableCache | undefined;
  readonly #host: CacheSyncHost;
  #closed = false;

  constructor(options: ResolvedClientOptions, host: CacheSyncHost) {
    this.#options = options;
    this.#cache = options.cache;
    this.#host = host;
  }

  /**
   * Paints the table from the cache when the entry is valid. A synchronous cache paints before
   * `table()` returns; an asynchronous one holds the first subscribe for at most
   * `cacheLoadTimeoutMs`, since subscribing with the cached position is what makes it a resume.
   */
  load(entry: HandleEntry): void {
    const cache = this.#cache;
    if (cache === undefined) return;
    let loaded: unknown;
    try {
      loaded = cache.load(entry.id);
    } catch (cause) {
      this.#discard(entry, cause);
      return;
    }
    if (!isThenable(loaded)) {
      this.#apply(entry, loaded);
      return;
    }
    entry.cacheWait = true;
    entry.cacheWaitTimer = this.#options.timers.setTimeout(() => {
      entry.cacheWaitTimer = undefined;
      this.endWait(entry);
    }, this.#options.cacheLoadTimeoutMs);
    Promise.resolve(loaded).then(
      (value) => {
        // Too late once subscribed without it: a snapshot on the way (or applied) is fresher,
        // and a position under a reset that is already requested would only confuse the store.
        if (this.#live(entry) && !entry.subscribedOnce) this.#apply(entry, value);
        this.endWait(entry);
      },
      (cause: unknown) => {
        if (this.#live(entry)) this.#discard(entry, cause);
        this.endWait(entry);
      },
    );
  }

  /** The load settled, timed out, or a bootstrap made it moot: the subscribe may go now. */
  endWait(entry: HandleEntry): void {
    if (!entry.cacheWait) return;
    this.#clearWait(entry);
    if (this.#live(entry) && entry.sub === undefined) this.#host.ready(entry);
  }

  /** Trailing throttle: a changing table is saved at most once per `cacheSaveIntervalMs`. */
  scheduleSave(entry: HandleEntry): void {
    if (this.#cache === undefined || this.#closed) return;
    entry.dirty = true;
    if (entry.saveTimer !== undefined) return;
    entry.saveTimer = this.#options.timers.setTimeout(() => {
      entry.saveTimer = undefined;
      this.#save(entry);
    }, this.#options.cacheSaveIntervalMs);
  }

  /** Saves now what is pending (on release, close and page hide) and cancels the timer. */
  flush(entry: HandleEntry): void {
    this.#clearSaveTimer(entry);
    this.#save(entry);
  }

  /** The handle is going away: stop waiting and save what is pending. */
  release(entry: HandleEntry): void {
    this.#clearWait(entry);
    this.flush(entry);
  }

  /** No longer served or no longer allowed: the saved copy must not paint on the next visit. */
  forget(entry: HandleEntry): void {
    if (this.#cache === undefined) return;
    entry.dirty = false;
    this.#clearSaveTimer(entry);
    this.#delete(entry);
  }

  close(): void {
    this.#closed = true;
  }

  #live(entry: HandleEntry): boolean {
    return !this.#closed && this.#host.live(entry);
  }

  #apply(entry: HandleEntry, value: unknown): void {
    let cached: ReturnType<typeof readCacheEntry>;
    try {
      cached = readCacheEntry(value, entry.id, this.#options.wireValues);
    } catch (cause) {
      this.#discard(entry, cause);
      return;
    }
    // Not vouched: cached data proves nothing about the table now, so the status stays loading.
    if (cached !== undefined) entry.store.hydrate(cached.sets, cached.position, false);
  }

  #clearWait(entry: HandleEntry): void {
    entry.cacheWait = false;
    if (entry.cacheWaitTimer === undefined) return;
    this.#options.timers.clearTimeout(entry.cacheWaitTimer);
    entry.cacheWaitTimer = undefined;
  }

  #clearSaveTimer(entry: HandleEntry): void {
    if (entry.saveTimer !== undefined) this.#options.timers.clearTimeout(entry.saveTimer);
    entry.saveTimer = undefined;
  }

  /** An entry that cannot be trusted is reported and deleted, so it is not read again. */
  #discard(entry: HandleEntry, cause: unknown): void {
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#host.report(
      new TablecastClientError(
        'CACHE',
        `Discarded the cached copy of table "${entry.table}": ${reason}`,
        { cause, table: entry.table },
      ),
    );
    this.#delete(entry);
  }

  #delete(entry: HandleEntry): void {
    const cache = this.#cache;
    if (cache?.delete === undefined) return;
    this.#settle(entry, 'delete', () => cache.delete?.(entry.id));
  }

  #save(entry: HandleEntry): void {
    const cache = this.#cache;
    const position = entry.store.position;
    if (cache === undefined || !entry.dirty || position === undefined) return;
    entry.dirty = false;
    const { toWire } = this.#options.wireValues;
    let saved: CacheEntry;
    try {
      saved = {
        v: CACHE_FORMAT_VERSION,
        key: entry.id,
        table: entry.table,
        position,
        sets: entry.store.toEntries().map(([key, value]) => [key, toWire(value)] as const),
        savedAt: Date.now(),
      };
    } catch (cause) {
      this.#host.report(
        new TablecastClientError('CACHE', `Could not encode table "${entry.table}" to cache it`, {
          cause,
          table: entry.table,
        }),
      );
      return;
    }
    this.#settle(entry, 'save', () => cache.save(entry.id, saved));
  }

  /** Runs a cache call that may throw or reject, reporting either to `onError`. */
  #settle(entry: HandleEntry, what: string, call: () => unknown): void {
    const fail = (cause: unknown) =>
      this.#host.report(
        new TablecastClientError('CACHE', `Cache ${what} failed for table "${entry.table}"`, {
          cause,
          table: entry.table,
        }),
      );
    try {
      const result = call();
      if (isThenable(result)) Promise.resolve(result).catch(fail);
    } catch (cause) {
      fail(cause);
    }
  }
}
