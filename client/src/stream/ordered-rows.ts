import type { KeyChange } from '../key-change.js';
import { compareRows, rowProblem, type StreamRow } from './stream-row.js';

/**
 * A stream's rows in order (see {@link compareRows}), kept up to date from a table's changes.
 * Each batch makes a new array, so a snapshot never changes under its reader, in one linear
 * merge of the kept rows with the batch's new rows sorted among themselves: the whole stream is
 * never sorted again. A batch of a live stream is new rows at the end and evicted rows at the
 * start, which the merge handles in a copy.
 *
 * A value that is not a row (see {@link rowProblem}) is skipped and counted in `rejected`, and
 * the row it replaces leaves: the peer said the id no longer holds that row. The order and the
 * id index stay consistent whatever the peer sends.
 */
export class OrderedRows<T> {
  #rows: readonly StreamRow<T>[] = [];
  /** Row id → row, to find a deleted or replaced row's place. */
  readonly #byId = new Map<string, StreamRow<T>>();
  readonly #limit: number | undefined;
  #rejected = 0;
  #lastProblem: string | undefined;

  /** @param limit Keep only the last `limit` rows in order. */
  constructor(limit?: number) {
    this.#limit = limit;
  }

  get rows(): readonly StreamRow<T>[] {
    return this.#rows;
  }

  /** How many values were skipped because they were not rows. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Why the last skipped value was not a row. */
  get lastProblem(): string | undefined {
    return this.#lastProblem;
  }

  /** Applies one batch of changes; returns whether `rows` changed. */
  apply(changes: readonly KeyChange<StreamRow<T>>[]): boolean {
    const gone = new Set<StreamRow<T>>();
    // By id: a batch that sets one id twice adds only its last row.
    const fresh = new Map<string, StreamRow<T>>();
    for (const change of changes) {
      const previous = this.#byId.get(change.key);
      if (previous !== undefined) {
        if (fresh.get(change.key) === previous) fresh.delete(change.key);
        else gone.add(previous);
        this.#byId.delete(change.key);
      }
      if (change.deleted) continue;
      const problem = rowProblem(change.key, change.value);
      if (problem !== undefined) {
        this.#rejected++;
        this.#lastProblem = problem;
        continue;
      }
      this.#byId.set(change.key, change.value as StreamRow<T>);
      fresh.set(change.key, change.value as StreamRow<T>);
    }
    if (gone.size === 0 && fresh.size === 0) return false;
    const added = [...fresh.values()].sort(compareRows);
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
