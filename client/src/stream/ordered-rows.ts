import type { KeyChange } from '../key-change.js';
import { compareRows, type StreamRow } from './stream-row.js';

/**
 * A stream's rows in order (see {@link compareRows}), kept up to date from a table's changes.
 * Each batch makes a new array, so a snapshot never changes under its reader, in one linear
 * merge of the kept rows with the batch's new rows sorted among themselves: the whole stream is
 * never sorted again. A batch of a live stream is new rows at the end and evicted rows at the
 * start, which the merge handles in a copy.
 */
export class OrderedRows<T> {
  #rows: readonly StreamRow<T>[] = [];
  /** Row id → row, to find a deleted or replaced row's place. */
  readonly #byId = new Map<string, StreamRow<T>>();
  readonly #limit: number | undefined;

  /** @param limit Keep only the last `limit` rows in order. */
  constructor(limit?: number) {
    this.#limit = limit;
  }

  get rows(): readonly StreamRow<T>[] {
    return this.#rows;
  }

  /** Applies one batch of changes; returns whether `rows` changed. */
  apply(changes: readonly KeyChange<StreamRow<T>>[]): boolean {
    const gone = new Set<StreamRow<T>>();
    const added: StreamRow<T>[] = [];
    for (const change of changes) {
      const previous = this.#byId.get(change.key);
      if (previous !== undefined) {
        gone.add(previous);
        this.#byId.delete(change.key);
      }
      if (!change.deleted && isRow(change.value)) {
        this.#byId.set(change.key, change.value);
        added.push(change.value);
      }
    }
    if (gone.size === 0 && added.length === 0) return false;
    added.sort(compareRows);
    const kept = gone.size === 0 ? this.#rows : this.#rows.filter((row) => !gone.has(row));
    let merged = merge(kept, added);
    if (this.#limit !== undefined && merged.length > this.#limit) {
      const dropped = merged.length - this.#limit;
      for (let i = 0; i < dropped; i++) {
        const row = merged[i]!;
        this.#byId.delete(`${row.partition}:${row.offset}`);
      }
      merged = merged.slice(dropped);
    }
    this.#rows = merged;
    return true;
  }
}

/** Merges two sorted arrays into a new one. */
function merge<T>(a: readonly StreamRow<T>[], b: readonly StreamRow<T>[]): StreamRow<T>[] {
  if (b.length === 0) return a.slice();
  // The common case: every new row is newer than every kept one.
  if (a.length === 0 || compareRows(a[a.length - 1]!, b[0]!) <= 0) return a.concat(b);
  const out: StreamRow<T>[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    out[k++] = compareRows(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  }
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** A value that is not a row (a table that is not a stream) is left out rather than crash sorting. */
function isRow<T>(value: unknown): value is StreamRow<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StreamRow<T>).timestamp === 'number' &&
    typeof (value as StreamRow<T>).partition === 'number' &&
    typeof (value as StreamRow<T>).offset === 'number'
  );
}
