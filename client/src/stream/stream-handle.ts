import '../disposable-symbols.js';
import type { Position } from '../../../shared/src/protocol/messages.js';
import type { TablecastClient } from '../create-client.js';
import type { TableHandle, TableHandleStatus } from '../table-handle.js';
import type { AnyTablecastClient } from '../typed-tables.js';
import { OrderedRows } from './ordered-rows.js';
import type { StreamRow } from './stream-row.js';

/** Options of {@link stream}. */
export interface StreamOptions {
  /** Keep only the last `limit` rows in order (the bridge's ring may hold more). Default all. */
  readonly limit?: number;
}

/**
 * A live, read-only view of a stream table: its rows in order of time, then partition, then
 * offset. Shares the client's socket, status, resume and reset with table handles.
 */
export interface StreamHandle<T> {
  readonly name: string;
  /** The rows as of the last applied batch, in order; a new array after each batch. */
  readonly rows: readonly StreamRow<T>[];
  readonly status: TableHandleStatus;
  readonly statusReason: string | undefined;
  readonly position: Position | undefined;
  readonly closed: boolean;
  /**
   * Values the bridge sent that are not rows (a missing or non-integer time, partition or
   * offset, a row id that does not match them, malformed headers): skipped, never shown.
   */
  readonly rejectedRows: number;
  /** Why the last of them was skipped. */
  readonly rejectedReason: string | undefined;
  /** Called after each batch that changed the rows. Bound, for `useSyncExternalStore`. */
  readonly subscribe: (listener: () => void) => () => void;
  /** `rows`, bound. */
  readonly getSnapshot: () => readonly StreamRow<T>[];
  onStatus(listener: (status: TableHandleStatus, reason: string | undefined) => void): () => void;
  whenCaughtUp(options?: { readonly timeoutMs?: number }): Promise<boolean>;
  /** The table handle underneath (its map is keyed by row id). */
  readonly table: TableHandle<StreamRow<T>>;
  /** Stops following and releases the table handle it opened. Data stays readable. */
  close(): void;
  [Symbol.dispose](): void;
}

/**
 * Opens a stream table of the bridge: `stream(client, 'events', { limit: 50 })`. A function
 * rather than a client method, so apps that never read a stream do not carry its code.
 */
export function stream<T = unknown>(
  client: AnyTablecastClient,
  name: string,
  options: StreamOptions = {},
): StreamHandle<T> {
  const { limit } = options;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new RangeError(`stream(): limit must be a positive integer, got ${String(limit)}`);
  }
  // A typed client is the same object with narrower types (see typed-tables.ts).
  return new StreamView<T>((client as TablecastClient).table<StreamRow<T>>(name), limit);
}

class StreamView<T> implements StreamHandle<T> {
  readonly table: TableHandle<StreamRow<T>>;
  readonly #rows: OrderedRows<T>;
  readonly #listeners = new Set<{ fn: () => void }>();
  readonly #stop: () => void;
  #closed = false;

  constructor(table: TableHandle<StreamRow<T>>, limit: number | undefined) {
    this.table = table;
    this.#rows = new OrderedRows<T>(limit);
    this.#rows.apply([...table.entries()].map(([key, value]) => ({ key, deleted: false, value })));
    this.#stop = table.onChanges((changes) => {
      if (this.#rows.apply(changes)) this.#notify();
    });
  }

  get name(): string {
    return this.table.name;
  }
  get rows(): readonly StreamRow<T>[] {
    return this.#rows.rows;
  }
  get status(): TableHandleStatus {
    return this.table.status;
  }
  get statusReason(): string | undefined {
    return this.table.statusReason;
  }
  get position(): Position | undefined {
    return this.table.position;
  }
  get closed(): boolean {
    return this.#closed || this.table.closed;
  }
  get rejectedRows(): number {
    return this.#rows.rejected;
  }
  get rejectedReason(): string | undefined {
    return this.#rows.lastProblem;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    const entry = { fn: listener };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  };

  readonly getSnapshot = (): readonly StreamRow<T>[] => this.#rows.rows;

  onStatus(listener: (status: TableHandleStatus, reason: string | undefined) => void): () => void {
    return this.table.onStatus(listener);
  }

  whenCaughtUp(options?: { readonly timeoutMs?: number }): Promise<boolean> {
    return this.table.whenCaughtUp(options);
  }

  /** Every listener runs; the first error is rethrown after them, to the client's onError. */
  #notify(): void {
    let failure: { error: unknown } | undefined;
    for (const { fn } of [...this.#listeners]) {
      try {
        fn();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    this.#listeners.clear();
    this.table.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
