import type { Timers } from '../../shared/src/timers.js';
import type { TablecastClientError } from './errors.js';
import type { WriteReceipt } from './pending-writes.js';
import type { WriteOptions } from './table-handle.js';

export interface TableStoreOptions<V> {
  /** The table's name, for error reports. */
  readonly name?: string;
  /** What `get(key)` returns for a missing key. Called on every such `get`. */
  readonly default?: (key: string) => V;
  readonly timers?: Timers;
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
  /** Carries `set`/`delete` to the bridge; without it writes reject with NOT_WRITABLE. */
  readonly write?: StoreWrite<V>;
}

export type StoreWrite<V> = (
  key: string,
  value: V | undefined,
  options: WriteOptions,
) => Promise<WriteReceipt>;
