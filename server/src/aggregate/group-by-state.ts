import { type Accumulator, type AggregateOp, accumulator } from './aggregate-op.js';

export interface GroupBySpec<V> {
  /** The group a value counts in; undefined leaves it out of every group. */
  readonly groupBy: (value: V, key: string) => string | undefined;
  readonly op: AggregateOp;
  /**
   * The number a value contributes (sum, min, max, avg). Values without a finite number are
   * counted by `count` only. Not needed for `count`.
   */
  readonly field?: (value: V) => unknown;
}

/** One changed group after a batch: its new aggregate, or `undefined` once it is empty. */
export interface GroupChange {
  readonly group: string;
  readonly value: number | undefined;
  /** The `at` of the last apply that changed the group (e.g. the offset of its record). */
  readonly at: number;
}

/**
 * An incremental group-by over a keyed table: each source key remembers what it contributed, so
 * a changed value or a tombstone retracts exactly that before the new contribution is added.
 * No I/O; the caller feeds it the table's changes in apply order.
 */
export class GroupByState<V> {
  readonly #groups = new Map<string, Accumulator>();
  readonly #contributions = new Map<string, { group: string; x: number | undefined }>();
  /** Changed groups since the last flush, with the `at` of their last change. */
  readonly #dirty = new Map<string, number>();

  constructor(readonly spec: GroupBySpec<V>) {}

  /** A set (value) or a delete (undefined) of one source key, made at `at` (e.g. an offset). */
  apply(key: string, value: V | undefined, at = 0): void {
    const previous = this.#contributions.get(key);
    if (previous !== undefined) {
      this.#contributions.delete(key);
      const acc = this.#groups.get(previous.group);
      if (acc !== undefined && (previous.x !== undefined || this.spec.op === 'count')) {
        acc.remove(previous.x ?? 0);
        if (acc.size === 0) this.#groups.delete(previous.group);
        this.#touch(previous.group, at);
      }
    }
    if (value === undefined) return;
    const group = this.spec.groupBy(value, key);
    if (group === undefined) return;
    const x = this.#number(value);
    if (x === undefined && this.spec.op !== 'count') {
      // Remembered so that a later change of this key still knows it contributed nothing.
      this.#contributions.set(key, { group, x });
      return;
    }
    let acc = this.#groups.get(group);
    if (acc === undefined) {
      acc = accumulator(this.spec.op);
      this.#groups.set(group, acc);
    }
    acc.add(x ?? 0);
    this.#contributions.set(key, { group, x });
    this.#touch(group, at);
  }

  /** Marks a group changed; its `at` is the latest of its changes, in whatever order they come. */
  #touch(group: string, at: number): void {
    const before = this.#dirty.get(group);
    this.#dirty.set(group, before === undefined || at > before ? at : before);
  }

  /** The groups changed since the last call, with their new values. */
  flush(): GroupChange[] {
    const changes: GroupChange[] = [];
    for (const [group, at] of this.#dirty) changes.push({ group, value: this.get(group), at });
    this.#dirty.clear();
    return changes;
  }

  get(group: string): number | undefined {
    return this.#groups.get(group)?.value;
  }

  *entries(): IterableIterator<[string, number]> {
    for (const [group, acc] of this.#groups) {
      const value = acc.value;
      if (value !== undefined) yield [group, value];
    }
  }

  #number(value: V): number | undefined {
    if (this.spec.field === undefined) return undefined;
    const x = this.spec.field(value);
    return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
  }
}
