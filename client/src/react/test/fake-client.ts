import type { Position, TableStatus } from '../../../../shared/src/protocol/messages.js';
import type { TablecastClient } from '../../create-client.js';
import type { TableHandle, TableOptions } from '../../table-handle.js';
import { TableStore } from '../../table-store.js';

interface Entry {
  readonly store: TableStore<unknown>;
  refs: number;
}

/**
 * A client without a network for the framework bindings' tests: `table()` is ref-counted like
 * the real one (same name and filter → same `TableStore`, shut down on the last `close()`),
 * and the test feeds the stores through the protocol methods.
 */
export class FakeClient implements TablecastClient {
  readonly connection = 'open' as const;
  /** Every store ever created, in order: a new one per name after its last release. */
  readonly created: TableStore<unknown>[] = [];
  readonly #entries = new Map<string, Entry>();
  #offset = 0;
  /**
   * Writes made through handles; each waits until the test settles it with `answerWrite`
   * (resolve with a receipt, or reject with an error).
   */
  readonly writes: Array<{
    readonly table: string;
    readonly key: string;
    readonly value: unknown;
    readonly settle: (error?: Error) => void;
  }> = [];

  onConnection(): () => void {
    return () => {};
  }

  table<V = unknown>(name: string, options: TableOptions<V> = {}): TableHandle<V> {
    const id = JSON.stringify([name, options.keys ?? null, options.prefix ?? null]);
    const existing = this.#entries.get(id);
    if (existing !== undefined) {
      existing.refs += 1;
      return existing.store as TableStore<V>;
    }
    const store: TableStore<V> = new TableStore<V>({
      name,
      ...(options.default === undefined ? {} : { default: options.default }),
      write: (key, value) =>
        new Promise((resolve, reject) => {
          this.writes.push({
            table: name,
            key,
            value,
            settle: (error) =>
              error ? reject(error) : resolve({ topicId: 'fake', partition: 0, offset: 0 }),
          });
        }),
      onClose: () => {
        if (this.#entries.get(id) !== entry) return;
        entry.refs -= 1;
        if (entry.refs > 0) return;
        this.#entries.delete(id);
        store.shutdown('closed');
      },
    });
    const entry: Entry = { store: store as TableStore<unknown>, refs: 1 };
    this.#entries.set(id, entry);
    this.created.push(entry.store);
    store.startSubscription();
    return store;
  }

  /** References held on every handle of this table (all filters). */
  refs(name: string): number {
    let refs = 0;
    for (const [id, entry] of this.#entries) {
      if ((JSON.parse(id) as unknown[])[0] === name) refs += entry.refs;
    }
    return refs;
  }

  /** The live store of an unfiltered table. */
  store<V = unknown>(name: string): TableStore<V> {
    const entry = this.#entries.get(JSON.stringify([name, null, null]));
    if (entry === undefined) throw new Error(`no live handle on table "${name}"`);
    return entry.store as TableStore<V>;
  }

  /** Feeds a reset snapshot as one batch. */
  snapshot<V>(name: string, entries: [string, V][], status: TableStatus = 'caught_up'): void {
    const store = this.store<V>(name);
    store.snapshotBegin('reset');
    store.snapshotPart(entries, []);
    store.snapshotEnd(this.#next(), status);
  }

  /** Feeds one delta (one batch). */
  delta<V>(name: string, sets: [string, V][], deletes: string[] = []): void {
    this.store<V>(name).delta(sets, deletes, this.#next());
  }

  close(): void {
    for (const entry of this.#entries.values()) entry.store.shutdown('client closed');
    this.#entries.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #next(): Position {
    this.#offset += 1;
    return { topicId: 't1', offsets: [this.#offset] };
  }
}
