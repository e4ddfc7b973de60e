import './disposable-symbols.js';
import type { Position } from '../../shared/src/protocol/messages.js';
import type { TableStatus } from '../../shared/src/table-status.js';
import type { TableBootstrap } from './bootstrap.js';
import type { KeyChange } from './key-change.js';
import type { WriteReceipt } from './pending-writes.js';

/**
 * A table handle's status: the bridge's statuses but `unstarted`. `loading`: no consistent
 * snapshot yet on the current subscription, or the bridge is still reading its topic.
 * `caught_up`: snapshot applied and the bridge's table is caught up. `degraded`: data is kept
 * but may be stale (connection lost, bridge degraded). `failed`: no more updates until something
 * changes (bridge refused or failed the table, or the handle/client was closed);
 * `statusReason` says which.
 */
export type TableHandleStatus = Exclude<TableStatus, 'unstarted'>;

/** What `client.table()` returns: a live, read-only view of one (filtered) table. */
export interface TableHandle<V> extends Iterable<[string, V]> {
  readonly name: string;
  readonly status: TableHandleStatus;
  readonly statusReason: string | undefined;
  readonly position: Position | undefined;
  readonly closed: boolean;
  readonly size: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<V>;
  entries(): IterableIterator<[string, V]>;
  /** `useSyncExternalStore(handle.subscribe, handle.getSnapshot)`: both are bound. */
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => ReadonlyMap<string, V>;
  onChanges(listener: (changes: readonly KeyChange<V>[]) => void): () => void;
  onStatus(listener: (status: TableHandleStatus, reason: string | undefined) => void): () => void;
  subscribeKey(key: string, listener: () => void): () => void;
  whenCaughtUp(options?: { readonly timeoutMs?: number }): Promise<boolean>;
  /**
   * Writes `value` under `key` through the bridge (a table the bridge serves as writable).
   * Resolves once this handle's own map shows the write (read-your-writes) with where it landed;
   * for a key outside the handle's filter, once Kafka acknowledged it. Rejects with a
   * TablecastClientError: NOT_WRITABLE, FORBIDDEN, INVALID, RATE_LIMITED, TIMEOUT,
   * KAFKA_UNAVAILABLE or CLOSED. A write interrupted by a reconnect is retried with the same id,
   * so it lands once.
   */
  set(key: string, value: V, options?: WriteOptions): Promise<WriteReceipt>;
  /** Deletes `key` (a tombstone) through the bridge; settles like `set`. */
  delete(key: string, options?: WriteOptions): Promise<WriteReceipt>;
  /** Keys showing an optimistic value (`{ optimistic: true }`) whose write is still pending. */
  readonly pending: ReadonlySet<string>;
  /** Releases one reference; the last release unsubscribes. Data stays readable. */
  close(): void;
  [Symbol.dispose](): void;
}

export interface WriteOptions {
  /** How long to wait for the bridge and then for the map to show the write. Default 15000. */
  readonly timeoutMs?: number;
  /**
   * Show the value at once, listed in `pending`, and roll it back if the write fails. The
   * handle's position, status and cache stay those of what Kafka has. Default false.
   */
  readonly optimistic?: boolean;
}

/** Options of `client.table()`. `keys` and `prefix` are exclusive. */
export interface TableOptions<V> {
  /**
   * What `get(key)` returns for a missing key. Handles are shared per name and filter: the
   * factory of the first `table()` call wins while the handle is alive.
   */
  readonly default?: (key: string) => V;
  /** Hold only these keys. */
  readonly keys?: readonly string[];
  /** Hold only keys starting with this. */
  readonly prefix?: string;
  /**
   * The table as the page's server read it (`GET /tables/:name?format=bootstrap`, or
   * `parseBootstrap`): the handle holds it before `table()` returns, reports `caught_up` if the
   * bootstrap was taken caught up, and subscribes from its position, so the bridge sends only
   * newer changes. A malformed one throws TypeError. With `keys`/`prefix`, a whole-table
   * bootstrap is narrowed to the filter. Ignored by a shared handle that already has data.
   */
  readonly bootstrap?: TableBootstrap;
}
