import type { Timers } from '../../shared/src/timers.js';
import type { BatchChanges } from './batch-changes.js';
import { ChunkedMap } from './chunked-map.js';
import { TablecastClientError } from './errors.js';
import type { KeyChange } from './key-change.js';
import type { TableHandleStatus } from './table-handle.js';

/** Wrapped so the same function can be registered twice and removed once. */
interface Listener<F> {
  readonly fn: F;
}

interface Waiter {
  readonly resolve: (caughtUp: boolean) => void;
  readonly timer: unknown;
}

/**
 * Everyone a table store notifies: batch, change, status and per-key listeners, and the
 * promises of `whenCaughtUp`. A listener that throws is reported to `onError` and the others
 * still run: one broken component must not silence the rest of the page.
 */
export class StoreListeners<V> {
  readonly #table: string;
  readonly #timers: Timers;
  readonly #onError: (error: TablecastClientError) => void;
  readonly #batch = new Set<Listener<() => void>>();
  readonly #changes = new Set<Listener<(changes: readonly KeyChange<V>[]) => void>>();
  readonly #status = new Set<
    Listener<(status: TableHandleStatus, reason: string | undefined) => void>
  >();
  /** Not a Map: every changed key is looked up here, and Chromium interns a Map's keys. */
  #keys = new ChunkedMap<Set<Listener<() => void>>>();
  readonly #waiters = new Set<Waiter>();

  constructor(table: string, timers: Timers, onError: (error: TablecastClientError) => void) {
    this.#table = table;
    this.#timers = timers;
    this.#onError = onError;
  }

  onBatch(listener: () => void): () => void {
    return add(this.#batch, listener);
  }

  onChanges(listener: (changes: readonly KeyChange<V>[]) => void): () => void {
    return add(this.#changes, listener);
  }

  onStatus(listener: (status: TableHandleStatus, reason: string | undefined) => void): () => void {
    return add(this.#status, listener);
  }

  onKey(key: string, listener: () => void): () => void {
    let listeners = this.#keys.get(key);
    if (listeners === undefined) {
      listeners = new Set();
      this.#keys.set(key, listeners);
    }
    const entry = { fn: listener };
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
      if (listeners.size === 0 && this.#keys.get(key) === listeners) this.#keys.delete(key);
    };
  }

  /** A promise settled by `settle()`, or false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
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

  /** One applied batch: batch and change listeners once, key listeners per changed key. */
  batch(changes: BatchChanges<V>): void {
    if (!changes.any) return;
    for (const { fn } of [...this.#batch]) this.#call(() => fn());
    if (this.#changes.size > 0) {
      const list = changes.list();
      for (const { fn } of [...this.#changes]) this.#call(() => fn(list));
    }
    if (this.#keys.size === 0) return;
    for (const key of changes.changedAmong(this.#keys)) {
      const listeners = this.#keys.get(key);
      if (listeners === undefined) continue;
      for (const { fn } of [...listeners]) this.#call(() => fn());
    }
  }

  /** The status changed: listeners hear it; waiters settle on `caught_up` or `failed`. */
  status(status: TableHandleStatus, reason: string | undefined): void {
    for (const { fn } of [...this.#status]) this.#call(() => fn(status, reason));
    if (status === 'caught_up') this.settle(true);
    else if (status === 'failed') this.settle(false);
  }

  settle(caughtUp: boolean): void {
    for (const waiter of this.#waiters) {
      this.#timers.clearTimeout(waiter.timer);
      waiter.resolve(caughtUp);
    }
    this.#waiters.clear();
  }

  /** The store is done: waiters resolve false, nobody hears anything more. */
  clear(): void {
    this.settle(false);
    this.#batch.clear();
    this.#changes.clear();
    this.#status.clear();
    this.#keys = new ChunkedMap();
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      const table = this.#table;
      const error = new TablecastClientError('LISTENER', `A listener of table "${table}" threw`, {
        cause,
        table,
      });
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
