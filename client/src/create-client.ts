import {
  encodeMessage,
  fromWireValue,
  parseServerMessage,
  toWireValue,
} from '../../shared/src/protocol/index.js';
import type {
  ClientMessage,
  KeyFilter,
  Position,
  ServerMessage,
  WireSet,
} from '../../shared/src/protocol/messages.js';
import { Backoff } from './backoff.js';
import { asTypeError, decodeSets, parseBootstrap } from './bootstrap.js';
import {
  type ClientOptions,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './client-options.js';
import { Connection, type ConnectionState } from './connection.js';
import { TablecastClientError, toClientError } from './errors.js';
import {
  CACHE_FORMAT_VERSION,
  type CacheEntry,
  cacheKey,
  isThenable,
  readCacheEntry,
} from './table-cache.js';
import type { TableHandle, TableOptions } from './table-handle.js';
import { type DecodedSet, type FeedResult, TableStore } from './table-store.js';

export interface TablecastClient {
  /** Where the shared socket is; `closed` only after `close()`. */
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

interface Entry {
  readonly id: string;
  readonly table: string;
  readonly filter: KeyFilter | undefined;
  readonly store: TableStore<unknown>;
  /** Retries of this subscription alone (resync, bridge unsubscribe, overload). */
  readonly retry: Backoff;
  refs: number;
  /** The subscription id on the current socket; undefined while not subscribed. */
  sub: string | undefined;
  retryTimer: unknown;
  /** A subscribe was sent once: a cache load that lands later is too late to use. */
  subscribedOnce: boolean;
  /** An asynchronous cache load is pending: the first subscribe waits (at most a bound). */
  cacheWait: boolean;
  cacheWaitTimer: unknown;
  /** Applied changes not saved to the cache yet, and the timer that will save them. */
  dirty: boolean;
  saveTimer: unknown;
}

const PAUSED_REASON = 'paused while the page is hidden';

/** Errors about one subscription that are worth retrying later rather than failing the table. */
const RETRYABLE_SUB_ERRORS = new Set(['OVERLOADED', 'RATE_LIMITED', 'INTERNAL']);

/** Opens (lazily) one WebSocket to a bridge, shared by every table handle. */
export function createClient(options: ClientOptions): TablecastClient {
  return new Client(resolveClientOptions(options));
}

/** The request-manager side: subscriptions, routing of server messages, resyncs. */
class Client implements TablecastClient {
  readonly #options: ResolvedClientOptions;
  readonly #connection: Connection;
  readonly #entries = new Map<string, Entry>();
  readonly #bySub = new Map<string, Entry>();
  #subCounter = 0;
  #closed = false;
  /** Every subscription is stopped because the page is hidden (see `#pause`). */
  #paused = false;
  #hideTimer: unknown;
  #offVisibility: (() => void) | undefined;

  constructor(options: ResolvedClientOptions) {
    this.#options = options;
    this.#connection = new Connection(options, {
      open: () => this.#onOpen(),
      message: (text) => this.#onMessage(text),
      lost: () => this.#onLost(),
    });
    const { visibility } = options;
    if (visibility !== undefined) {
      this.#offVisibility = visibility.onChange(() => this.#onVisibility());
      // A page opened in a background tab starts its grace period at once.
      if (options.pauseWhenHidden && visibility.hidden()) this.#armHideTimer();
    }
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
    const bootstrap = toBootstrap(name, filter, options.bootstrap);
    const id = cacheKey(name, filter);
    const existing = this.#entries.get(id);
    if (existing !== undefined) {
      existing.refs += 1;
      // A handle that has no data yet takes it; one with a position already has fresher data.
      if (bootstrap !== undefined && existing.store.hydrate(...bootstrap)) {
        this.#endCacheWait(existing);
      }
      return existing.store as TableStore<V> as TableHandle<V>;
    }
    const store = new TableStore<V>({
      name,
      ...(options.default === undefined ? {} : { default: options.default }),
      timers: this.#options.timers,
      onError: (error) => this.#report(error),
      onClose: () => this.#release(entry),
      onApplied: () => this.#scheduleSave(entry),
    });
    const entry: Entry = {
      id,
      table: name,
      filter,
      store: store as TableStore<unknown>,
      retry: new Backoff(
        this.#options.backoff.initialDelayMs,
        this.#options.backoff.maxDelayMs,
        this.#options.random,
      ),
      refs: 1,
      sub: undefined,
      retryTimer: undefined,
      subscribedOnce: false,
      cacheWait: false,
      cacheWaitTimer: undefined,
      dirty: false,
      saveTimer: undefined,
    };
    this.#entries.set(id, entry);
    // Before the handle is returned, so the first render (getSnapshot) already has the data.
    // A bootstrap comes from the server that rendered the page: fresher than a cache, which is
    // then not read at all; it is saved in turn so the next visit paints it.
    if (bootstrap !== undefined) {
      entry.store.hydrate(...bootstrap);
      this.#scheduleSave(entry);
    } else if (this.#options.cache !== undefined) {
      this.#loadCache(entry);
    }
    if (this.#paused) entry.store.pause(PAUSED_REASON);
    this.#connection.start();
    if (this.#connection.state === 'open') this.#subscribe(entry, false);
    return store;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#offVisibility?.();
    this.#offVisibility = undefined;
    this.#clearHideTimer();
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      this.#clearCacheWait(entry);
      this.#flushSave(entry);
      entry.sub = undefined;
      entry.store.shutdown('client closed');
    }
    this.#entries.clear();
    this.#bySub.clear();
    this.#connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // --- Subscriptions --------------------------------------------------------------------------

  /** Subscribes on the open socket, with the last position unless a reset is wanted. */
  #subscribe(entry: Entry, resetWanted: boolean): void {
    this.#clearRetry(entry);
    if (resetWanted) entry.store.requireReset();
    // Paused: resumed on visibility. Waiting for the cache: subscribed when the wait ends.
    if (this.#paused || entry.cacheWait) return;
    entry.subscribedOnce = true;
    const reset = entry.store.resetRequired;
    const sub = `s${++this.#subCounter}`;
    const position = reset ? undefined : entry.store.position;
    const message: ClientMessage = {
      type: 'subscribe',
      sub,
      table: entry.table,
      ...(position === undefined ? {} : { position }),
      ...(entry.filter === undefined ? {} : { filter: entry.filter }),
    };
    entry.sub = sub;
    this.#bySub.set(sub, entry);
    entry.store.startSubscription();
    this.#send(message);
  }

  /** Ends the current subscription on the socket, if any, so its late messages are dropped. */
  #unsubscribe(entry: Entry): void {
    const { sub } = entry;
    if (sub === undefined) return;
    entry.sub = undefined;
    this.#bySub.delete(sub);
    this.#send({ type: 'unsubscribe', sub });
  }

  /** Resubscribes after a delay from the entry's own backoff, e.g. after a broken sequence. */
  #retry(entry: Entry, reset: boolean): void {
    this.#clearRetry(entry);
    entry.store.suspend();
    entry.retryTimer = this.#options.timers.setTimeout(() => {
      entry.retryTimer = undefined;
      // Otherwise the next open (or resume) resubscribes; the store remembers a wanted reset.
      if (this.#connection.state === 'open') this.#subscribe(entry, reset);
    }, entry.retry.next());
  }

  /** The sequence of this subscription broke: drop it and ask for a reset (I1, I5). */
  #resync(entry: Entry, error: TablecastClientError): void {
    this.#report(error);
    this.#unsubscribe(entry);
    entry.store.requireReset();
    this.#retry(entry, true);
  }

  #release(entry: Entry): void {
    if (this.#entries.get(entry.id) !== entry) return;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    this.#entries.delete(entry.id);
    this.#clearRetry(entry);
    this.#clearCacheWait(entry);
    this.#flushSave(entry);
    this.#unsubscribe(entry);
    entry.store.shutdown('closed');
  }

  #clearRetry(entry: Entry): void {
    if (entry.retryTimer === undefined) return;
    this.#options.timers.clearTimeout(entry.retryTimer);
    entry.retryTimer = undefined;
  }

  // --- Cache ----------------------------------------------------------------------------------

  /**
   * Paints the table from the cache when the entry is valid. A synchronous cache paints before
   * `table()` returns; an asynchronous one holds the first subscribe for at most
   * `cacheLoadTimeoutMs`, since subscribing with the cached position is what makes it a resume.
   */
  #loadCache(entry: Entry): void {
    const cache = this.#options.cache;
    if (cache === undefined) return;
    let loaded: unknown;
    try {
      loaded = cache.load(entry.id);
    } catch (cause) {
      this.#discardCache(entry, cause);
      return;
    }
    if (!isThenable(loaded)) {
      this.#applyCache(entry, loaded);
      return;
    }
    entry.cacheWait = true;
    entry.cacheWaitTimer = this.#options.timers.setTimeout(() => {
      entry.cacheWaitTimer = undefined;
      this.#endCacheWait(entry);
    }, this.#options.cacheLoadTimeoutMs);
    Promise.resolve(loaded).then(
      (value) => {
        // Too late once subscribed without it: a snapshot on the way (or applied) is fresher,
        // and a position under a reset that is already requested would only confuse the store.
        if (this.#live(entry) && !entry.subscribedOnce) this.#applyCache(entry, value);
        this.#endCacheWait(entry);
      },
      (cause: unknown) => {
        if (this.#live(entry)) this.#discardCache(entry, cause);
        this.#endCacheWait(entry);
      },
    );
  }

  #applyCache(entry: Entry, value: unknown): void {
    let cached: ReturnType<typeof readCacheEntry>;
    try {
      cached = readCacheEntry(value, entry.id);
    } catch (cause) {
      this.#discardCache(entry, cause);
      return;
    }
    // Not vouched: cached data proves nothing about the table now, so the status stays loading.
    if (cached !== undefined) entry.store.hydrate(cached.sets, cached.position, false);
  }

  /** The load settled or timed out: subscribe now if the socket is ready. */
  #endCacheWait(entry: Entry): void {
    if (!entry.cacheWait) return;
    this.#clearCacheWait(entry);
    if (this.#live(entry) && entry.sub === undefined && this.#connection.state === 'open') {
      this.#subscribe(entry, false);
    }
  }

  #clearCacheWait(entry: Entry): void {
    entry.cacheWait = false;
    if (entry.cacheWaitTimer === undefined) return;
    this.#options.timers.clearTimeout(entry.cacheWaitTimer);
    entry.cacheWaitTimer = undefined;
  }

  /** An entry that cannot be trusted is reported and deleted, so it is not read again. */
  #discardCache(entry: Entry, cause: unknown): void {
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#report(
      new TablecastClientError(
        'CACHE',
        `Discarded the cached copy of table "${entry.table}": ${reason}`,
        { cause, table: entry.table },
      ),
    );
    this.#deleteFromCache(entry);
  }

  #forgetCache(entry: Entry): void {
    if (this.#options.cache === undefined) return;
    entry.dirty = false;
    if (entry.saveTimer !== undefined) this.#options.timers.clearTimeout(entry.saveTimer);
    entry.saveTimer = undefined;
    this.#deleteFromCache(entry);
  }

  #deleteFromCache(entry: Entry): void {
    const cache = this.#options.cache;
    if (cache?.delete === undefined) return;
    this.#settle(entry, 'delete', () => cache.delete?.(entry.id));
  }

  /** Trailing throttle: a changing table is saved at most once per `cacheSaveIntervalMs`. */
  #scheduleSave(entry: Entry): void {
    if (this.#options.cache === undefined || this.#closed) return;
    entry.dirty = true;
    if (entry.saveTimer !== undefined) return;
    entry.saveTimer = this.#options.timers.setTimeout(() => {
      entry.saveTimer = undefined;
      this.#save(entry);
    }, this.#options.cacheSaveIntervalMs);
  }

  /** Saves now what is pending (on release, close and page hide) and cancels the timer. */
  #flushSave(entry: Entry): void {
    if (entry.saveTimer !== undefined) this.#options.timers.clearTimeout(entry.saveTimer);
    entry.saveTimer = undefined;
    this.#save(entry);
  }

  #save(entry: Entry): void {
    const cache = this.#options.cache;
    const position = entry.store.position;
    if (cache === undefined || !entry.dirty || position === undefined) return;
    entry.dirty = false;
    let saved: CacheEntry;
    try {
      saved = {
        v: CACHE_FORMAT_VERSION,
        key: entry.id,
        table: entry.table,
        position,
        sets: entry.store.toEntries().map(([key, value]) => [key, toWireValue(value)] as const),
        savedAt: Date.now(),
      };
    } catch (cause) {
      this.#report(
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
  #settle(entry: Entry, what: string, call: () => unknown): void {
    const fail = (cause: unknown) =>
      this.#report(
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

  #live(entry: Entry): boolean {
    return !this.#closed && this.#entries.get(entry.id) === entry;
  }

  // --- Visibility -----------------------------------------------------------------------------

  #onVisibility(): void {
    const visibility = this.#options.visibility;
    if (this.#closed || visibility === undefined) return;
    if (visibility.hidden()) {
      // Mobile browsers may kill a hidden page without another event: save while we can.
      for (const entry of this.#entries.values()) this.#flushSave(entry);
      if (this.#options.pauseWhenHidden && !this.#paused) this.#armHideTimer();
      return;
    }
    this.#clearHideTimer();
    if (this.#paused) this.#resume();
  }

  #armHideTimer(): void {
    if (this.#hideTimer !== undefined) return;
    this.#hideTimer = this.#options.timers.setTimeout(() => {
      this.#hideTimer = undefined;
      this.#pause();
    }, this.#options.hiddenGraceMs);
  }

  #clearHideTimer(): void {
    if (this.#hideTimer === undefined) return;
    this.#options.timers.clearTimeout(this.#hideTimer);
    this.#hideTimer = undefined;
  }

  /**
   * Hidden past the grace period: unsubscribe every table, keeping data and positions. The
   * socket stays open on purpose: an idle socket costs the bridge one ping per heartbeat and no
   * deltas, while closing it would make every tab that comes back pay a new upgrade, a token
   * fetch and the auth check at once, and would turn `connection` into a lie ('reconnecting').
   */
  #pause(): void {
    if (this.#closed || this.#paused) return;
    this.#paused = true;
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      this.#unsubscribe(entry);
      entry.store.pause(PAUSED_REASON);
    }
  }

  /** Visible again: resubscribe from the kept positions, i.e. resumes with only what changed. */
  #resume(): void {
    this.#paused = false;
    if (this.#connection.state !== 'open') return; // the next open subscribes everything
    for (const entry of this.#entries.values()) {
      if (entry.sub === undefined) this.#subscribe(entry, false);
    }
  }

  // --- Connection events ----------------------------------------------------------------------

  #onOpen(): void {
    this.#bySub.clear();
    for (const entry of this.#entries.values()) this.#subscribe(entry, false);
  }

  #onLost(): void {
    this.#bySub.clear();
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      entry.sub = undefined;
      entry.store.connectionLost();
    }
  }

  #onMessage(text: string): void {
    let message: ServerMessage;
    try {
      message = parseServerMessage(text);
    } catch (cause) {
      this.#onBadFrame(text, cause);
      return;
    }
    switch (message.type) {
      case 'welcome':
        return;
      case 'snapshot-begin': {
        const entry = this.#bySub.get(message.sub);
        if (entry) this.#feed(entry, entry.store.snapshotBegin(message.mode), 'snapshot-begin');
        return;
      }
      case 'snapshot-part': {
        const entry = this.#bySub.get(message.sub);
        if (entry === undefined) return;
        const sets = this.#decode(message.sets, [entry]);
        if (sets)
          this.#feed(entry, entry.store.snapshotPart(sets, message.deletes), 'snapshot-part');
        return;
      }
      case 'snapshot-end': {
        const entry = this.#bySub.get(message.sub);
        if (entry === undefined) return;
        const result = entry.store.snapshotEnd(message.position, message.status);
        if (result !== 'resync') entry.retry.reset();
        this.#feed(entry, result, 'snapshot-end');
        return;
      }
      case 'delta': {
        const targets = this.#deltaTargets(message.sub, message.table);
        if (targets.length === 0) return;
        const sets = this.#decode(message.sets, targets);
        if (sets === undefined) return;
        for (const entry of targets) {
          this.#feed(entry, entry.store.delta(sets, message.deletes, message.position), 'delta');
        }
        return;
      }
      case 'status':
        for (const entry of this.#entries.values()) {
          if (entry.table === message.table && entry.sub !== undefined) {
            entry.store.bridgeStatus(message.status, message.reason);
          }
        }
        return;
      case 'unsubscribed': {
        // Ours were forgotten when sent; one still known was ended by the bridge: come back.
        const entry = this.#bySub.get(message.sub);
        if (entry === undefined) return;
        this.#bySub.delete(message.sub);
        entry.sub = undefined;
        this.#retry(entry, false);
        return;
      }
      case 'error':
        this.#onServerError(message);
        return;
      case 'goaway':
        this.#report(
          new TablecastClientError('CONNECTION', `The bridge is going away: ${message.reason}`),
        );
        this.#connection.reconnect(message.retryAfterMs);
        return;
      default:
        message satisfies never;
    }
  }

  #onServerError(message: Extract<ServerMessage, { type: 'error' }>): void {
    const entry = message.sub === undefined ? undefined : this.#bySub.get(message.sub);
    const error = new TablecastClientError(
      message.code,
      message.message,
      entry === undefined ? undefined : { table: entry.table },
    );
    if (message.sub === undefined) {
      if (message.code === 'FORBIDDEN') this.#connection.authFailed(error);
      else this.#report(error);
      return;
    }
    this.#report(error);
    if (entry === undefined) return;
    this.#bySub.delete(message.sub);
    entry.sub = undefined;
    if (RETRYABLE_SUB_ERRORS.has(message.code)) {
      this.#retry(entry, false);
      return;
    }
    entry.store.fail(`${message.code}: ${message.message}`);
    // No longer served or no longer allowed: the saved copy must not paint on the next visit.
    this.#forgetCache(entry);
  }

  /**
   * A frame we could not parse was dropped: whatever table it was about may now miss a change,
   * so resync what it names, or every subscription when it names nothing readable.
   */
  #onBadFrame(text: string, cause: unknown): void {
    const error = toClientError(cause, 'PROTOCOL');
    const hint = readHint(text);
    let targets: Entry[];
    if (hint.sub !== undefined) {
      const entry = this.#bySub.get(hint.sub);
      targets = entry === undefined ? [] : [entry];
    } else if (hint.table !== undefined) {
      targets = [...this.#bySub.values()].filter((entry) => entry.table === hint.table);
    } else {
      targets = [...this.#bySub.values()];
    }
    if (targets.length === 0 || hint.harmless) {
      this.#report(error);
      return;
    }
    this.#report(error);
    for (const entry of targets) {
      this.#unsubscribe(entry);
      entry.store.requireReset();
      this.#retry(entry, true);
    }
  }

  #deltaTargets(sub: string | undefined, table: string | undefined): Entry[] {
    if (sub !== undefined) {
      const entry = this.#bySub.get(sub);
      return entry === undefined ? [] : [entry];
    }
    if (table === undefined) return [];
    const targets: Entry[] = [];
    for (const entry of this.#bySub.values()) {
      if (entry.table === table && entry.filter === undefined) targets.push(entry);
    }
    return targets;
  }

  /** Decodes once for every target; a value that fails to decode breaks all their sequences. */
  #decode(sets: readonly WireSet[], targets: readonly Entry[]): DecodedSet<unknown>[] | undefined {
    try {
      return sets.map(([key, wire]) => [key, fromWireValue(wire)] as const);
    } catch (cause) {
      for (const entry of targets) {
        this.#resync(
          entry,
          new TablecastClientError('PROTOCOL', `A value of table "${entry.table}" did not decode`, {
            cause,
            table: entry.table,
          }),
        );
      }
      return undefined;
    }
  }

  #feed(entry: Entry, result: FeedResult, what: string): void {
    if (result !== 'resync') return;
    this.#resync(
      entry,
      new TablecastClientError(
        'PROTOCOL',
        `Out-of-sequence ${what} for table "${entry.table}": resubscribing with a reset`,
        { table: entry.table },
      ),
    );
  }

  #send(message: ClientMessage): void {
    this.#connection.send(encodeMessage(message));
  }

  #report(error: TablecastClientError): void {
    try {
      this.#options.onError(error);
    } catch {
      // A throwing onError must not break message handling.
    }
  }
}

/**
 * Checks and decodes a `bootstrap` option into `hydrate()`'s arguments; throws TypeError when it
 * is malformed, is for another table, or holds a value that does not decode.
 */
function toBootstrap(
  name: string,
  filter: KeyFilter | undefined,
  bootstrap: unknown,
): [sets: DecodedSet<unknown>[], position: Position, vouched: boolean] | undefined {
  if (bootstrap === undefined) return undefined;
  const parsed = parseBootstrap(bootstrap);
  if (parsed.table !== undefined && parsed.table !== name) {
    throw new TypeError(`table(): the bootstrap is for table "${parsed.table}", not "${name}"`);
  }
  const sets = asTypeError('table(): bootstrap', () => decodeSets(parsed.sets, filter));
  return [sets, parsed.position, parsed.status === 'caught_up'];
}

function toFilter(options: TableOptions<unknown>): KeyFilter | undefined {
  const { keys, prefix } = options;
  if (keys !== undefined && prefix !== undefined) {
    throw new TypeError('table(): pass either `keys` or `prefix`, not both');
  }
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) {
      throw new TypeError('table(): `keys` must be an array of strings');
    }
    // Sorted and unique, so the same set of keys shares one handle and one subscription.
    return { keys: [...new Set(keys)].sort() };
  }
  if (prefix !== undefined) {
    if (typeof prefix !== 'string') throw new TypeError('table(): `prefix` must be a string');
    return { prefix };
  }
  return undefined;
}

/** Best-effort reading of an unparseable frame: which sub or table it concerns, if any. */
function readHint(text: string): { sub?: string; table?: string; harmless: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { harmless: false };
  }
  if (typeof value !== 'object' || value === null) return { harmless: false };
  const { sub, table, type } = value as Record<string, unknown>;
  // Messages that carry no table data cannot leave a map behind.
  const harmless = type === 'welcome' || type === 'goaway' || type === 'error';
  return {
    ...(typeof sub === 'string' ? { sub } : {}),
    ...(typeof table === 'string' ? { table } : {}),
    harmless,
  };
}
