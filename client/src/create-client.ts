import { keyMatcher } from '../../shared/src/protocol/key-filter.js';
import { Backoff } from './backoff.js';
import { readBootstrapOption } from './bootstrap.js';
import { cacheKey } from './cache-entry.js';
import { CacheSync } from './cache-sync.js';
import {
  type ClientOptions,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './client-options.js';
import { ClientWrites } from './client-writes.js';
import { Connection, type ConnectionState } from './connection.js';
import { safeReporter, TablecastClientError } from './errors.js';
import { FirstSnapshots } from './first-snapshots.js';
import { FramePump } from './frame-pump.js';
import type { HandleEntry } from './handle-entry.js';
import { HiddenPause } from './hidden-pause.js';
import { MessageRouter } from './message-router.js';
import { Subscriptions } from './subscriptions.js';
import { toFilter } from './table-filter.js';
import type { TableHandle, TableOptions } from './table-handle.js';
import { TableStore } from './table-store.js';

export interface TablecastClient {
  /**
   * Where the shared socket is; `closed` only after `close()`, `failed` when the peer is not a
   * tablecast v1 bridge (§1: the client stopped, every handle failed with `PROTOCOL_VERSION`).
   */
  readonly connection: ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /**
   * A live handle on a table, optionally filtered. The same name and filter return the same
   * handle, ref-counted: each `table()` call must be paired with one `handle.close()`.
   */
  table<V = unknown>(name: string, options?: TableOptions<V>): TableHandle<V>;
  /** Closes the socket and every handle (data stays readable, status `failed`). Idempotent. */
  close(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Opens (lazily) one WebSocket to a bridge, shared by every table handle. */
export function createClient(options: ClientOptions): TablecastClient {
  return new Client(resolveClientOptions(options));
}

/**
 * The composition: the connection carries frames, the router turns them into store calls, the
 * subscriptions keep track of who is subscribed, the cache sync and the hidden pause add their
 * behaviour around them. Each knows only the narrow host interface it is given.
 */
class Client implements TablecastClient {
  readonly #options: ResolvedClientOptions;
  readonly #report: (error: TablecastClientError) => void;
  readonly #connection: Connection;
  readonly #subscriptions: Subscriptions;
  readonly #cache: CacheSync;
  readonly #first: FirstSnapshots;
  readonly #router: MessageRouter;
  readonly #frames = new FramePump((text) => this.#router.handle(text));
  readonly #pause: HiddenPause;
  readonly #writes: ClientWrites;
  #closed = false;
  /** Why the connection stopped for good (the peer is not a tablecast v1 bridge). */
  #failure: string | undefined;

  constructor(options: ResolvedClientOptions) {
    this.#options = options;
    const report = safeReporter(options.onError);
    this.#report = report;
    this.#connection = new Connection(options, {
      open: (handover) => {
        // Frames of the previous socket still waiting are about subscriptions replaced now.
        this.#frames.clear();
        this.#subscriptions.opened(handover);
        this.#writes.opened();
      },
      message: (text) => this.#frames.push(text),
      unreadable: (error) => this.#router.unreadable(error),
      lost: () => {
        this.#frames.clear();
        this.#subscriptions.lost();
      },
      failed: (error) => {
        this.#frames.clear();
        this.#failure = `${error.code}: ${error.message}`;
        this.#subscriptions.failAll(this.#failure);
      },
    });
    this.#writes = new ClientWrites(options, (text) => this.#connection.send(text));
    const subscriptions = new Subscriptions(options, this.#connection, report);
    this.#subscriptions = subscriptions;
    this.#cache = new CacheSync(options, {
      live: (entry) => !this.#closed && subscriptions.live(entry),
      ready: (entry) => subscriptions.subscribe(entry),
      report,
    });
    this.#first = new FirstSnapshots(options, {
      live: (entry) => !this.#closed && subscriptions.live(entry),
      ready: (entry) => subscriptions.subscribe(entry),
      report,
    });
    this.#router = new MessageRouter({
      subscriptions,
      wireValues: options.wireValues,
      report,
      goaway: (retryAfterMs) => this.#connection.goaway(retryAfterMs),
      authFailed: (error) => this.#connection.authFailed(error),
      forget: (entry) => this.#cache.forget(entry),
      writeResult: (result) => this.#writes.settle(result),
    });
    this.#pause = new HiddenPause(options, {
      hidden: () => {
        for (const entry of subscriptions.entries()) this.#cache.flush(entry);
      },
      pause: () => subscriptions.pause(),
      resume: () => subscriptions.resume(),
    });
    if (!options.lazy) this.#connection.start();
  }

  get connection(): ConnectionState {
    return this.#connection.state;
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    return this.#connection.onState(listener);
  }

  table<V = unknown>(name: string, options: TableOptions<V> = {}): TableHandle<V> {
    if (this.#closed) throw new TablecastClientError('CLOSED', 'The client is closed');
    if (typeof name !== 'string' || name === '') {
      throw new TypeError('table(): name must be a non-empty string');
    }
    const filter = toFilter(options);
    const bootstrap = readBootstrapOption(
      name,
      filter,
      options.bootstrap,
      this.#options.wireValues,
    );
    const id = cacheKey(name, filter);
    const existing = this.#subscriptions.get(id);
    if (existing !== undefined) {
      existing.refs += 1;
      // A handle that has no data yet takes it; one with a position already has fresher data.
      if (bootstrap !== undefined && existing.store.hydrate(...bootstrap)) {
        this.#cache.endWait(existing);
        // Its first snapshot is moot too: subscribe from the bootstrap's position now.
        if (this.#first.release(existing)) this.#subscriptions.subscribe(existing);
      }
      return existing.store as TableStore<V> as TableHandle<V>;
    }
    const store = new TableStore<V>({
      name,
      ...(options.default === undefined ? {} : { default: options.default }),
      timers: this.#options.timers,
      onError: this.#report,
      onClose: () => this.#release(entry),
      onApplied: () => {
        this.#cache.scheduleSave(entry);
        this.#writes.applied(entry);
      },
      write: (key, value, writeOptions) => this.#writes.write(entry, key, value, writeOptions),
    });
    const entry: HandleEntry = {
      id,
      table: name,
      filter,
      admits: keyMatcher(filter),
      store: store as TableStore<unknown>,
      retry: new Backoff(
        this.#options.backoff.initialDelayMs,
        this.#options.backoff.maxDelayMs,
        this.#options.random,
      ),
      refs: 1,
      sub: undefined,
      retryTimer: undefined,
      healthyTimer: undefined,
      subscribedOnce: false,
      cacheWait: false,
      cacheWaitTimer: undefined,
      firstLoad: undefined,
      dirty: false,
      saveTimer: undefined,
    };
    this.#subscriptions.add(entry);
    // Before the handle is returned, so the first render (getSnapshot) already has the data.
    // A bootstrap comes from the server that rendered the page: fresher than a cache, which is
    // then not read at all; it is saved in turn so the next visit paints it.
    if (bootstrap !== undefined) {
      entry.store.hydrate(...bootstrap);
      this.#cache.scheduleSave(entry);
    } else {
      this.#cache.load(entry);
    }
    if (this.#failure !== undefined) entry.store.fail(this.#failure);
    else this.#first.load(entry);
    this.#connection.start();
    this.#subscriptions.subscribe(entry);
    return store;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#frames.clear();
    this.#pause.close();
    this.#first.close();
    this.#subscriptions.shutdown('client closed', (entry) => this.#cache.release(entry));
    this.#cache.close();
    this.#writes.close();
    this.#connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #release(entry: HandleEntry): void {
    if (!this.#subscriptions.release(entry)) return;
    this.#first.release(entry);
    this.#cache.release(entry);
    this.#writes.released(entry);
    entry.store.shutdown('closed');
  }
}
