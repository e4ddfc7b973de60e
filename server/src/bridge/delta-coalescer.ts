import type { TableChange } from '../table-types.js';

/**
 * Gathers the changes of a table's batches that land in one turn of the event loop into one
 * delta. When the bridge is idle a batch goes out on the next turn (setImmediate: after the
 * I/O callbacks of this one, so no timer delay); under load, every fetch response applied in
 * the same turn shares one frame per socket instead of one each. Changes are compacted to the
 * last one per key (I11), and the delta carries the table's position when it goes out.
 */
export class DeltaCoalescer {
  readonly #pending = new Map<string, TableChange<unknown>[]>();
  readonly #scheduled = new Map<string, NodeJS.Immediate>();
  readonly #send: (table: string, changes: readonly TableChange<unknown>[]) => void;

  constructor(send: (table: string, changes: readonly TableChange<unknown>[]) => void) {
    this.#send = send;
  }

  add(table: string, changes: readonly TableChange<unknown>[]): void {
    const pending = this.#pending.get(table);
    if (pending !== undefined) {
      for (const change of changes) pending.push(change);
      return;
    }
    this.#pending.set(table, [...changes]);
    this.#scheduled.set(
      table,
      setImmediate(() => this.flush(table)),
    );
  }

  /** Sends what is pending for `table` now: before a status, so the data comes first (I4). */
  flush(table: string): void {
    const pending = this.#pending.get(table);
    if (pending === undefined) return;
    this.#pending.delete(table);
    clearImmediate(this.#scheduled.get(table));
    this.#scheduled.delete(table);
    this.#send(table, compact(pending));
  }

  close(): void {
    for (const handle of this.#scheduled.values()) clearImmediate(handle);
    this.#scheduled.clear();
    this.#pending.clear();
  }
}

/** The last change of every key, in the order those last changes were made. */
function compact(changes: TableChange<unknown>[]): readonly TableChange<unknown>[] {
  const last = new Map<string, TableChange<unknown>>();
  for (const change of changes) {
    last.delete(change.key);
    last.set(change.key, change);
  }
  return last.size === changes.length ? changes : [...last.values()];
}
