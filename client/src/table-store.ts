import type { Position, TableStatus } from '../../shared/src/protocol/messages.js';
import type { ScannedPart } from '../../shared/src/protocol/scan-snapshot-part.js';
import { globalTimers } from '../../shared/src/timers.js';
import { listedChanges } from './batch-changes.js';
import { ChunkedMap } from './chunked-map.js';
import type { DecodedSet } from './decoded-set.js';
import { type FeedResult, positionVerdict } from './feed-result.js';
import type { KeyChange } from './key-change.js';
import { notWritable } from './not-writable.js';
import { OptimisticOverlay } from './optimistic-overlay.js';
import type { WriteReceipt } from './pending-writes.js';
import { SnapshotBuffer } from './snapshot-buffer.js';
import { SnapshotMap } from './snapshot-map.js';
import { StoreListeners } from './store-listeners.js';
import { type SubscriptionPhase, storeStatus } from './store-status.js';
import type { TableHandleStatus, WriteOptions } from './table-handle.js';
import type { StoreWrite, TableStoreOptions } from './table-store-options.js';

/**
 * The framework-free core behind a table handle: one compacted map rebuilt from a snapshot and
 * deltas, following docs/PROTOCOL.md. Listeners hear about applied batches only (a whole
 * snapshot is one batch), so nobody ever observes a half-applied snapshot. A snapshot's parts
 * are buffered one by one as they arrive (each in its own task, see FramePump); its end swaps
 * the buffer in, in O(1), so no task grows with the size of the table.
 *
 * `getSnapshot()` is copy-on-write (`SnapshotMap`): one copy per batch at most, and only when
 * someone read the map since the previous batch.
 *
 * The protocol-facing methods (`startSubscription`, `snapshotBegin`, ...) are for the client;
 * applications use the `TableHandle` surface.
 */
export class TableStore<V> {
  readonly name: string;
  readonly #default: ((key: string) => V) | undefined;
  readonly #listeners: StoreListeners<V>;
  readonly #onClose: (() => void) | undefined;
  readonly #onApplied: (() => void) | undefined;
  readonly #write: StoreWrite<V>;
  readonly #overlay = new OptimisticOverlay<V>();

  readonly #map = new SnapshotMap<V>();
  #position: Position | undefined;

  #phase: SubscriptionPhase = 'idle';
  /** A live subscription is being sent another snapshot. */
  #resnapshot = false;
  readonly #buffer = new SnapshotBuffer<V>();
  /** The map may be wrong (we asked for a reset): accept the next reset whatever its position. */
  #forceReset = false;

  #bridgeStatus: TableStatus = 'loading';
  #bridgeReason: string | undefined;
  // What decides the status besides the bridge's word and the phase: see `storeStatus`.
  #vouched = false;
  #paused: string | undefined;
  #disconnected = false;
  #failure: string | undefined;
  #closed = false;
  #status: TableHandleStatus = 'loading';
  #statusReason: string | undefined;

  constructor(options: TableStoreOptions<V> = {}) {
    this.name = options.name ?? '';
    this.#default = options.default;
    this.#listeners = new StoreListeners(
      this.name,
      options.timers ?? globalTimers,
      options.onError ?? (() => {}),
    );
    this.#onClose = options.onClose;
    this.#onApplied = options.onApplied;
    this.#write = options.write ?? notWritable(this.name);
  }

  // --- Writing (through the bridge; see TableHandle.set) -------------------------------------

  set(key: string, value: V, options: WriteOptions = {}): Promise<WriteReceipt> {
    return this.#writeThrough(key, value, false, options);
  }

  delete(key: string, options: WriteOptions = {}): Promise<WriteReceipt> {
    return this.#writeThrough(key, undefined, true, options);
  }

  /** Keys showing an optimistic value that Kafka does not have yet. */
  get pending(): ReadonlySet<string> {
    return this.#overlay.keys;
  }

  #writeThrough(
    key: string,
    value: V | undefined,
    deleted: boolean,
    options: WriteOptions,
  ): Promise<WriteReceipt> {
    const written = this.#write(key, value, options);
    if (options.optimistic === true && !this.#closed) {
      this.#overlay.track(
        key,
        value,
        deleted,
        written,
        () => this.#map.snapshot(),
        (change) => {
          if (!this.#closed) this.#listeners.batch(listedChanges([change]));
        },
      );
    }
    return written;
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
    return this.#overlay.keys.size === 0 ? this.#map.size : this.getSnapshot().size;
  }

  /** The value (an optimistic one while its write is pending), or `default(key)` when missing. */
  get(key: string): V | undefined {
    const pending = this.#overlay.lookup(key);
    if (pending !== null) return pending === undefined ? this.#default?.(key) : pending.value;
    const value = this.#map.get(key);
    if (value !== undefined || this.#map.has(key)) return value;
    return this.#default?.(key);
  }

  has(key: string): boolean {
    const pending = this.#overlay.lookup(key);
    return pending !== null ? pending !== undefined : this.#map.has(key);
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
    return this.#overlay.view(this.#map.snapshot());
  };

  // --- Listening ------------------------------------------------------------------------------

  /** Called once per applied batch. Bound, so it can be passed as `useSyncExternalStore(subscribe)`. */
  subscribe = (listener: () => void): (() => void) => this.#listeners.onBatch(listener);

  /** Called once per applied batch with the keys that changed (compacted, one entry per key). */
  onChanges(listener: (changes: readonly KeyChange<V>[]) => void): () => void {
    return this.#listeners.onChanges(listener);
  }

  onStatus(listener: (status: TableHandleStatus, reason: string | undefined) => void): () => void {
    return this.#listeners.onStatus(listener);
  }

  /** Called after a batch that changed this key's value (set to a different value, or deleted). */
  subscribeKey(key: string, listener: () => void): () => void {
    return this.#listeners.onKey(key, listener);
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
    return this.#listeners.wait(timeoutMs);
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
    return this.#map.toEntries();
  }

  // --- Fed by the client ----------------------------------------------------------------------

  /**
   * Paints data taken elsewhere (a bootstrap embedded in the page, or a cache) at `position`, as
   * one batch, before any snapshot. Only into a store that has no position yet: a store that
   * applied a snapshot holds data at least as fresh, and mixing the two would break I5. With
   * `vouched`, the status is `caught_up` until the first snapshot-end. Returns whether it applied.
   */
  hydrate(sets: Iterable<DecodedSet<V>>, position: Position, vouched: boolean): boolean {
    if (this.#closed || this.#position !== undefined || this.#forceReset) return false;
    this.#position = position;
    this.#vouched = vouched;
    // The visible map changes under a first snapshot being received: compare at its end.
    this.#buffer.differs = true;
    // A ChunkedMap (a first snapshot, built part by part) becomes the map as it is: O(1).
    const map = sets instanceof ChunkedMap ? sets : ChunkedMap.from(sets);
    this.#listeners.batch(this.#map.replace(map));
    this.#updateStatus();
    return true;
  }

  /** A subscribe message went out: wait for its snapshot; anything before is ignored (I6). */
  startSubscription(handover = false): void {
    if (this.#closed) return;
    // A handover (the same client moving to a new socket after a goaway) keeps `caught_up`
    // until the new snapshot-end: the map is what the old socket had when it was caught up.
    if (handover && this.#status === 'caught_up') this.#vouched = true;
    this.#phase = 'awaiting-snapshot';
    this.#buffer.clear();
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
    this.#buffer.clear(mode);
    return 'applied';
  }

  snapshotPart(sets: readonly DecodedSet<V>[], deletes: readonly string[]): FeedResult {
    if (this.#phase !== 'snapshotting') return this.#phase === 'idle' ? 'ignored' : 'resync';
    return this.#buffer.add(sets, deletes, this.#map) === undefined ? 'applied' : 'repeated';
  }

  /** A part read by `scanSnapshotPart` (plain values only, as the client's codec takes them). */
  snapshotScanned(part: ScannedPart): FeedResult {
    if (this.#phase !== 'snapshotting') return this.#phase === 'idle' ? 'ignored' : 'resync';
    return this.#buffer.addScanned(part, this.#map) === undefined ? 'applied' : 'repeated';
  }

  /** Applies the buffered snapshot as one batch (I1), unless its position is behind ours (I5). */
  snapshotEnd(position: Position, status: TableStatus): FeedResult {
    if (this.#phase !== 'snapshotting') return this.#phase === 'idle' ? 'ignored' : 'resync';
    const buffer = this.#buffer;
    const reset = buffer.mode === 'reset';
    // A reset we asked for replaces the map whatever its position; a resume in its place would
    // keep the data we no longer trust (a subscribe without a position always gets a reset, §6).
    if (this.#forceReset && !reset) return 'resync';
    const result =
      reset && this.#forceReset ? 'applied' : positionVerdict(this.#position, position, reset);
    if (result === 'resync') return result;
    const { sets, deletes, differs } = buffer;
    buffer.clear();
    this.#phase = 'live';
    this.#resnapshot = false;
    this.#bridgeStatus = status;
    // From here on the bridge's word on this subscription decides the status.
    this.#vouched = false;
    if (result === 'applied') {
      this.#forceReset = false;
      this.#position = position;
      const changes = reset
        ? this.#map.replace(sets, differs)
        : this.#map.apply(sets, deletes.keys());
      this.#listeners.batch(changes);
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
    const result = positionVerdict(this.#position, position, false);
    if (result !== 'applied') return result;
    this.#position = position;
    this.#listeners.batch(this.#map.apply(sets, deletes));
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

  /**
   * Access to the table was withdrawn (FORBIDDEN): the map is emptied as one batch, the
   * position forgotten (a later subscribe starts from scratch), and the status is `failed`.
   */
  revoke(reason: string): void {
    if (this.#closed) return;
    this.#endSubscription();
    this.#position = undefined;
    this.#forceReset = false;
    this.#failure = reason;
    this.#updateStatus();
    this.#listeners.batch(this.#map.replace(new ChunkedMap()));
  }

  /** Final: status `failed` with `reason`, waiters resolve false, timers cleared; data stays. */
  shutdown(reason: string): void {
    if (this.#closed) return;
    this.#endSubscription();
    this.#failure = reason;
    this.#updateStatus();
    this.#closed = true;
    this.#listeners.clear();
  }

  // --- Internals ------------------------------------------------------------------------------

  /** The subscription is gone: a half-received snapshot is dropped and vouches for nothing. */
  #endSubscription(): void {
    this.#phase = 'idle';
    this.#resnapshot = false;
    this.#buffer.clear();
    this.#vouched = false;
  }

  #updateStatus(): void {
    if (this.#closed) return;
    const [status, reason] = storeStatus(
      this.#failure,
      this.#bridgeStatus,
      this.#bridgeReason,
      this.#disconnected,
      this.#paused,
      this.#vouched,
      this.#phase === 'live' || this.#resnapshot,
    );
    if (status === this.#status && reason === this.#statusReason) return;
    this.#status = status;
    this.#statusReason = reason;
    this.#listeners.status(status, reason);
  }
}
