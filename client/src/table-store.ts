import { positionCovers } from '../../shared/src/protocol/index.js';
import type { Position, TableStatus } from '../../shared/src/protocol/messages.js';
import type { TimerFunctions } from './client-options.js';
import { TablecastClientError } from './errors.js';
import type { TableChange, TableHandleStatus } from './table-status.js';

export interface TableStoreOptions<V> {
  /** The table's name, for error reports. */
  readonly name?: string;
  /** What `get(key)` returns for a missing key. Called on every such `get`. */
  readonly default?: (key: string) => V;
  readonly timers?: TimerFunctions;
  /** Receives errors thrown by listeners, so one broken listener doesn't silence the others. */
  readonly onError?: (error: TablecastClientError) => void;
  /**
   * Called by `close()` instead of shutting the store down: the client uses it for ref-counting
   * and calls `shutdown()` on the last release. Without it, `close()` shuts down directly.
   */
  readonly onClose?: () => void;
  /**
   * Called after every applied snapshot or delta, even one that changed no key (the position
   * still moved). The client uses it to schedule cache saves.
   */
  readonly onApplied?: () => void;
}

/** What the store did with a protocol message: `resync` means its sequence broke (resubscribe). */
export type FeedResult = 'applied' | 'ignored' | 'resync';

/** A decoded set: the client decodes wire values once, even when a delta feeds several stores. */
export type DecodedSet<V> = readonly [key: string, value: V];

type Phase = 'idle' | 'awaiting-snapshot' | 'snapshotting' | 'live';

interface Listener<F> {
  readonly fn: F;
}

interface Waiter {
  readonly resolve: (caughtUp: boolean) => void;
  readonly timer: unknown;
}

const defaultTimers: TimerFunctions = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) =>
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};

/**
 * The framework-free core behind a table handle: one compacted map rebuilt from a snapshot and
 * deltas, following docs/PROTOCOL.md. Listeners hear about applied batches only (a whole
 * snapshot is one batch), so nobody ever observes a half-applied snapshot.
 *
 * `getSnapshot()` is copy-on-write: it hands out the live Map and marks it shared; the next
 * batch clones it (O(n)) before mutating. So the cost is one copy per batch, and only when
 * someone read the map since the previous batch; a reset snapshot builds a new Map anyway.
 *
 * The protocol-facing methods (`startSubscription`, `snapshotBegin`, ...) are for the client;
 * applications use the `TableHandle` surface.
 */
export class TableStore<V> {
  readonly name: string;
  readonly #default: ((key: string) => V) | undefined;
  readonly #timers: TimerFunctions;
  readonly #onError: (error: TablecastClientError) => void;
  readonly #onClose: (() => void) | undefined;
  readonly #onApplied: (() => void) | undefined;

  #map = new Map<string, V>();
  /** The current map was handed out by getSnapshot or an iterator: clone before mutating. */
  #shared = false;
  #position: Position | undefined;

  #phase: Phase = 'idle';
  /** A live subscription is being sent another snapshot. */
  #resnapshot = false;
  #mode: 'reset' | 'resume' = 'reset';
  #bufferSets = new Map<string, V>();
  #bufferDeletes = new Set<string>();
  /** The map may be wrong (we asked for a reset): accept the next reset whatever its position. */
  #forceReset = false;

  #bridgeStatus: TableStatus = 'loading';
  #bridgeReason: string | undefined;
  /**
   * Hydrated from a bootstrap that was taken while the bridge was caught up: that data is what
   * the bridge had when caught up, so `caught_up` holds until the first snapshot-end replaces
   * this word with the bridge's own (a cache never sets it: cached data proves nothing).
   */
  #vouched = false;
  /** Why the client stopped this subscription on purpose (page hidden); undefined otherwise. */
  #paused: string | undefined;
  #disconnected = false;
  #failure: string | undefined;
  #closed = false;
  #status: TableHandleStatus = 'loading';
  #statusReason: string | undefined;

  readonly #listeners = new Set<Listener<() => void>>();
  readonly #changeListeners = new Set<Listener<(changes: readonly TableChange<V>[]) => void>>();
  readonly #statusListeners = new Set<
    Listener<(status: TableHandleStatus, reason: string | undefined) => void>
  >();
  readonly #keyListeners = new Map<string, Set<Listener<() => void>>>();
  readonly #waiters = new Set<Waiter>();

  constructor(options: TableStoreOptions<V> = {}) {
    this.name = options.name ?? '';
    this.#default = options.default;
    this.#timers = options.timers ?? defaultTimers;
    this.#onError = options.onError ?? (() => {});
    this.#onClose = options.onClose;
    this.#onApplied = options.onApplied;
  }

  // --- Reading -------------------------------------------------------------------------------

  get status(): TableHandleStatus {
    return this.#status;
  }

  /** Why the status is degraded or failed; undefined otherwise. */
  get statusReason(): string | undefined {
    return this.#statusReason;
  }

  /** Where the map is in the table's topic; undefined until the first snapshot is applied. */
  get position(): Position | undefined {
    return this.#position;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, or `default(key)` when missing and a default factory was given. */
  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined || this.#map.has(key)) return value;
    return this.#default?.(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  keys(): MapIterator<string> {
    return this.getSnapshot().keys();
  }

  values(): MapIterator<V> {
    return this.getSnapshot().values();
  }

  entries(): MapIterator<[string, V]> {
    return this.getSnapshot().entries();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  /**
   * The map as of the last applied batch. The same object until the next batch, as React's
   * `useSyncExternalStore` requires; never mutated after it is handed out.
   */
  getSnapshot = (): ReadonlyMap<string, V> => {
    this.#shared = true;
    return this.#map;
  };

  // --- Listening ------------------------------------------------------------------------------

  /** Called once per applied batch. Bound, so it can be passed as `useSyncExternalStore(subscribe)`. */
  subscribe = (listener: () => void): (() => void) => add(this.#listeners, listener);

  /** Called once per applied batch with the keys that changed (compacted, one entry per key). */
  onChanges(listener: (changes: readonly TableChange<V>[]) => void): () => void {
    return add(this.#changeListeners, listener);
  }

  onStatus(listener: (status: TableHandleStatus, reason: string | undefined) => void): () => void {
    return add(this.#statusListeners, listener);
  }

  /** Called after a batch that changed this key's value (set to a different value, or deleted). */
  subscribeKey(key: string, listener: () => void): () => void {
    let listeners = this.#keyListeners.get(key);
    if (listeners === undefined) {
      listeners = new Set();
      this.#keyListeners.set(key, listeners);
    }
    const entry = { fn: listener };
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
      if (listeners.size === 0 && this.#keyListeners.get(key) === listeners) {
        this.#keyListeners.delete(key);
      }
    };
  }

  /**
   * Resolves true once the status is `caught_up`, false on timeout, failure or close. Never
   * hangs: the timeout defaults to 30 s.
   */
  whenCaughtUp(options: { readonly timeoutMs?: number } = {}): Promise<boolean> {
    if (this.#status === 'caught_up') return Promise.resolve(true);
    if (this.#closed || this.#status === 'failed') return Promise.resolve(false);
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(timeoutMs >= 0)) throw new RangeError('whenCaughtUp: timeoutMs must be >= 0');
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: this.#timers.setTimeout(() => {
          this.#waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Releases this handle. Data stays readable; after the last release no more updates arrive. */
  close(): void {
    if (this.#closed) return;
    if (this.#onClose) this.#onClose();
    else this.shutdown('closed');
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The entries as an array, without marking the map shared (so no copy on the next batch). */
  toEntries(): [string, V][] {
    return [...this.#map];
  }

  // --- Fed by the client ----------------------------------------------------------------------

  /**
   * Paints data taken elsewhere (a bootstrap embedded in the page, or a cache) at `position`, as
   * one batch, before any snapshot. Only into a store that has no position yet: a store that
   * applied a snapshot holds data at least as fresh, and mixing the two would break I5. With
   * `vouched`, the status is `caught_up` until the first snapshot-end. Returns whether it applied.
   */
  hydrate(sets: readonly DecodedSet<V>[], position: Position, vouched: boolean): boolean {
    if (this.#closed || this.#position !== undefined || this.#forceReset) return false;
    this.#position = position;
    this.#vouched = vouched;
    this.#notifyBatch(this.#replace(new Map(sets)));
    this.#updateStatus();
    return true;
  }

  /** A subscribe message went out: wait for its snapshot; anything before is ignored (I6). */
  startSubscription(): void {
    if (this.#closed) return;
    this.#phase = 'awaiting-snapshot';
    this.#clearBuffer();
    this.#disconnected = false;
    this.#failure = undefined;
    this.#paused = undefined;
    this.#bridgeStatus = 'loading';
    this.#bridgeReason = undefined;
    this.#updateStatus();
  }

  /** The client stopped the subscription on purpose (page hidden): keep data and position. */
  pause(reason: string): void {
    if (this.#closed) return;
    this.#endSubscription();
    this.#paused = reason;
    this.#updateStatus();
  }

  /** The map is suspect: the next reset snapshot replaces it whatever its position. */
  requireReset(): void {
    this.#forceReset = true;
  }

  /** True after `requireReset()` until a snapshot is applied: subscribe without a position. */
  get resetRequired(): boolean {
    return this.#forceReset;
  }

  /** Not subscribed for a while (waiting to resubscribe): keep the data, ignore messages. */
  suspend(): void {
    if (this.#closed) return;
    this.#endSubscription();
    this.#updateStatus();
  }

  /**
   * A live subscription may get another snapshot at any time (a resume after a slow spell), and
   * a snapshot may begin again before its end (the bridge restarted it): the buffer starts over.
   */
  snapshotBegin(mode: 'reset' | 'resume'): FeedResult {
    if (this.#phase === 'idle') return 'ignored';
    // The map stays what the last snapshot-end vouched for: a resume must not flash `loading`.
    this.#resnapshot = this.#phase === 'live' || this.#resnapshot;
    this.#phase = 'snapshotting';
    this.#mode = mode;
    this.#clearBuffer();
    return 'applied';
  }

  snapshotPart(sets: readonly DecodedSet<V>[], deletes: readonly string[]): FeedResult {
    if (this.#phase !== 'snapshotting') return this.#phase === 'idle' ? 'ignored' : 'resync';
    for (const [key, value] of sets) {
      this.#bufferSets.set(key, value);
      this.#bufferDeletes.delete(key);
    }
    for (const key of deletes) {
      this.#bufferSets.delete(key);
      this.#bufferDeletes.add(key);
    }
    return 'applied';
  }

  /** Applies the buffered snapshot as one batch (I1), unless its position is behind ours (I5). */
  snapshotEnd(position: Position, status: TableStatus): FeedResult {
    if (this.#phase !== 'snapshotting') return this.#phase === 'idle' ? 'ignored' : 'resync';
    const reset = this.#mode === 'reset';
    const current = this.#position;
    let result: FeedResult = 'applied';
    if (current !== undefined && !(reset && this.#forceReset)) {
      if (current.topicId !== position.topicId) {
        // A recreated topic only arrives as a reset; a resume across topics cannot be applied.
        if (!reset) return 'resync';
      } else if (!positionCovers(position, current)) {
        // A lagging bridge: keep our newer map; its later deltas apply once they pass us.
        result = 'ignored';
      }
    }
    const sets = this.#bufferSets;
    const deletes = this.#bufferDeletes;
    this.#clearBuffer();
    this.#phase = 'live';
    this.#resnapshot = false;
    this.#bridgeStatus = status;
    // From here on the bridge's word on this subscription decides the status.
    this.#vouched = false;
    if (result === 'applied') {
      this.#forceReset = false;
      this.#position = position;
      const changes = reset ? this.#replace(sets) : this.#apply(sets, deletes);
      this.#notifyBatch(changes);
    }
    this.#updateStatus();
    if (result === 'applied') this.#onApplied?.();
    return result;
  }

  /** Applies one delta as one batch; ignored before the snapshot (I6) or when stale (I5). */
  delta(
    sets: readonly DecodedSet<V>[],
    deletes: readonly string[],
    position: Position,
  ): FeedResult {
    if (this.#phase !== 'live') return 'ignored';
    const current = this.#position;
    if (current !== undefined) {
      if (current.topicId !== position.topicId) return 'resync';
      if (!positionCovers(position, current)) return 'ignored';
    }
    this.#position = position;
    this.#notifyBatch(this.#apply(sets, deletes));
    this.#onApplied?.();
    return 'applied';
  }

  /** The bridge's status for this table. */
  bridgeStatus(status: TableStatus, reason: string | undefined): void {
    if (this.#closed) return;
    this.#bridgeStatus = status;
    this.#bridgeReason = reason;
    this.#updateStatus();
  }

  /** The socket went away: keep the data, drop any half-received snapshot. */
  connectionLost(): void {
    if (this.#closed) return;
    this.#endSubscription();
    this.#disconnected = true;
    this.#updateStatus();
  }

  /** The bridge refused or ended the subscription; it is retried on the next (re)subscribe. */
  fail(reason: string): void {
    if (this.#closed) return;
    this.#endSubscription();
    this.#failure = reason;
    this.#updateStatus();
  }

  /** Final: status `failed` with `reason`, waiters resolve false, timers cleared; data stays. */
  shutdown(reason: string): void {
    if (this.#closed) return;
    this.#endSubscription();
    this.#failure = reason;
    this.#updateStatus();
    this.#closed = true;
    this.#settleWaiters(false);
    this.#listeners.clear();
    this.#changeListeners.clear();
    this.#statusListeners.clear();
    this.#keyListeners.clear();
  }

  // --- Internals ------------------------------------------------------------------------------

  /** The subscription is gone: a half-received snapshot is dropped and vouches for nothing. */
  #endSubscription(): void {
    this.#phase = 'idle';
    this.#resnapshot = false;
    this.#clearBuffer();
    this.#vouched = false;
  }

  #clearBuffer(): void {
    // Always fresh: a reset hands its buffer over as the map, so reusing an empty buffer would
    // make the next snapshot's parts land in the visible map before its end (breaking I1).
    this.#bufferSets = new Map();
    this.#bufferDeletes = new Set();
  }

  /** Replaces the map with a reset snapshot's; the old one stayed visible until now (I1). */
  #replace(next: Map<string, V>): TableChange<V>[] {
    const previous = this.#map;
    const changes: TableChange<V>[] = [];
    for (const key of previous.keys()) {
      if (!next.has(key)) changes.push({ key, deleted: true });
    }
    for (const [key, value] of next) {
      if (!previous.has(key) || !Object.is(previous.get(key), value)) {
        changes.push({ key, deleted: false, value });
      }
    }
    // The buffer becomes the map: nothing else holds it, so no copy is needed.
    this.#map = next;
    this.#shared = false;
    return changes;
  }

  #apply(sets: Iterable<DecodedSet<V>>, deletes: Iterable<string>): TableChange<V>[] {
    const changes: TableChange<V>[] = [];
    const touched = new Set<string>();
    for (const [key, value] of sets) {
      if (this.#map.has(key) && Object.is(this.#map.get(key), value)) continue;
      this.#writable().set(key, value);
      touched.add(key);
    }
    for (const key of deletes) {
      if (!this.#map.has(key)) continue;
      this.#writable().delete(key);
      touched.add(key);
    }
    // Compacted: one change per key, reflecting where the batch left it.
    for (const key of touched) {
      if (this.#map.has(key)) changes.push({ key, deleted: false, value: this.#map.get(key) as V });
      else changes.push({ key, deleted: true });
    }
    return changes;
  }

  #writable(): Map<string, V> {
    if (this.#shared) {
      this.#map = new Map(this.#map);
      this.#shared = false;
    }
    return this.#map;
  }

  #notifyBatch(changes: readonly TableChange<V>[]): void {
    if (changes.length === 0) return;
    for (const { fn } of [...this.#listeners]) this.#call(() => fn());
    for (const { fn } of [...this.#changeListeners]) this.#call(() => fn(changes));
    if (this.#keyListeners.size === 0) return;
    for (const change of changes) {
      const listeners = this.#keyListeners.get(change.key);
      if (listeners === undefined) continue;
      for (const { fn } of [...listeners]) this.#call(() => fn());
    }
  }

  #updateStatus(): void {
    if (this.#closed) return;
    const [status, reason] = this.#computeStatus();
    if (status === this.#status && reason === this.#statusReason) return;
    this.#status = status;
    this.#statusReason = reason;
    for (const { fn } of [...this.#statusListeners]) this.#call(() => fn(status, reason));
    if (status === 'caught_up') this.#settleWaiters(true);
    else if (status === 'failed') this.#settleWaiters(false);
  }

  #computeStatus(): [TableHandleStatus, string | undefined] {
    if (this.#failure !== undefined) return ['failed', this.#failure];
    if (this.#bridgeStatus === 'failed') {
      return ['failed', this.#bridgeReason ?? 'the table failed on the bridge'];
    }
    if (this.#disconnected) return ['degraded', 'connection lost'];
    if (this.#paused !== undefined) return ['degraded', this.#paused];
    if (this.#bridgeStatus === 'degraded') {
      return ['degraded', this.#bridgeReason ?? 'the table is degraded on the bridge'];
    }
    if (this.#vouched) return ['caught_up', undefined];
    // I4: caught up only with the snapshot applied on this subscription AND the bridge caught up.
    if ((this.#phase === 'live' || this.#resnapshot) && this.#bridgeStatus === 'caught_up')
      return ['caught_up', undefined];
    return ['loading', undefined];
  }

  #settleWaiters(caughtUp: boolean): void {
    for (const waiter of this.#waiters) {
      this.#timers.clearTimeout(waiter.timer);
      waiter.resolve(caughtUp);
    }
    this.#waiters.clear();
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      const error = new TablecastClientError(
        'LISTENER',
        `A listener of table "${this.name}" threw`,
        {
          cause,
          table: this.name,
        },
      );
      try {
        this.#onError(error);
      } catch {
        // onError itself threw: nothing is left to report to, and the batch must go on.
      }
    }
  }
}

function add<F>(set: Set<Listener<F>>, fn: F): () => void {
  const entry = { fn };
  set.add(entry);
  return () => {
    set.delete(entry);
  };
}
