/**
 * The aggregations a bridge computes: each keeps enough per group to take a contribution back
 * out again, because a table's values change and disappear (a tombstone, or a value that moved
 * to another group, retracts what it added).
 */
export type AggregateOp = 'count' | 'sum' | 'min' | 'max' | 'avg';

export const AGGREGATE_OPS: readonly AggregateOp[] = ['count', 'sum', 'min', 'max', 'avg'];

/** One group's running aggregate. `value` is undefined once nothing contributes any more. */
export interface Accumulator {
  add(x: number): void;
  remove(x: number): void;
  readonly size: number;
  readonly value: number | undefined;
}

export function accumulator(op: AggregateOp): Accumulator {
  switch (op) {
    case 'count':
    case 'sum':
    case 'avg':
      return new SumAccumulator(op);
    case 'min':
    case 'max':
      return new ExtremeAccumulator(op);
    default:
      throw new RangeError(`Unknown aggregate op ${JSON.stringify(op satisfies never)}.`);
  }
}

/**
 * The aggregate of several parts of one group (the same window read from several partitions),
 * each fed separately. Undefined when no part holds anything.
 */
export function combine(op: AggregateOp, parts: readonly Accumulator[]): number | undefined {
  if (parts.length === 1) return parts[0]!.value;
  let size = 0;
  let sum = 0;
  let extreme: number | undefined;
  for (const part of parts) {
    const value = part.value;
    if (value === undefined) continue;
    size += part.size;
    if (part instanceof SumAccumulator) sum += part.sum;
    else if (extreme === undefined || (op === 'min' ? value < extreme : value > extreme)) {
      extreme = value;
    }
  }
  if (size === 0) return undefined;
  if (op === 'count') return size;
  if (op === 'sum') return sum;
  return op === 'avg' ? sum / size : extreme;
}

class SumAccumulator implements Accumulator {
  size = 0;
  #sum = 0;
  get sum(): number {
    return this.#sum;
  }
  constructor(readonly op: 'count' | 'sum' | 'avg') {}
  add(x: number): void {
    this.size++;
    this.#sum += x;
  }
  remove(x: number): void {
    this.size--;
    // Floating-point sums drift when values are taken out again; an empty group starts over.
    this.#sum = this.size === 0 ? 0 : this.#sum - x;
  }
  get value(): number | undefined {
    if (this.size === 0) return undefined;
    if (this.op === 'count') return this.size;
    return this.op === 'sum' ? this.#sum : this.#sum / this.size;
  }
}

/**
 * Min or max with retraction: a count per distinct value, and the extreme recomputed only when
 * its last holder leaves (a scan over the distinct values, not over the records).
 */
class ExtremeAccumulator implements Accumulator {
  size = 0;
  readonly #counts = new Map<number, number>();
  #extreme: number | undefined;
  constructor(readonly op: 'min' | 'max') {}
  add(x: number): void {
    this.size++;
    this.#counts.set(x, (this.#counts.get(x) ?? 0) + 1);
    if (this.#extreme === undefined || this.#better(x, this.#extreme)) this.#extreme = x;
  }
  remove(x: number): void {
    const n = this.#counts.get(x);
    if (n === undefined) return;
    this.size--;
    if (n > 1) {
      this.#counts.set(x, n - 1);
      return;
    }
    this.#counts.delete(x);
    if (x !== this.#extreme) return;
    this.#extreme = undefined;
    for (const candidate of this.#counts.keys()) {
      if (this.#extreme === undefined || this.#better(candidate, this.#extreme)) {
        this.#extreme = candidate;
      }
    }
  }
  get value(): number | undefined {
    return this.#extreme;
  }
  #better(a: number, b: number): boolean {
    return this.op === 'min' ? a < b : a > b;
  }
}
