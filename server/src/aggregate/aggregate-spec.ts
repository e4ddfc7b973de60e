import { AGGREGATE_OPS, type AggregateOp } from './aggregate-op.js';

/**
 * One named aggregate of an aggregate table: `'count'`, or an op over the number `field` reads
 * from a value (values without a finite number there are left out of that aggregate).
 */
export type AggregateSpec<S> =
  | AggregateOp
  | { readonly op: AggregateOp; readonly field?: (value: S) => unknown };

/** The aggregates of a table by name, e.g. `{ count: 'count', total: { op: 'sum', field } }`. */
export type Aggregates<S> = Readonly<Record<string, AggregateSpec<S>>>;

/** A group's value in a group-by table: each named aggregate that has a value. */
export type AggregateValues = Readonly<Record<string, number>>;

export interface NamedAggregate<S> {
  readonly name: string;
  readonly op: AggregateOp;
  readonly field?: (value: S) => unknown;
}

/** Checks `aggregates` at construction; `reserved` names are taken by the table's own fields. */
export function namedAggregates<S>(
  aggregates: Aggregates<S>,
  reserved: readonly string[] = [],
): NamedAggregate<S>[] {
  if (
    typeof aggregates !== 'object' ||
    aggregates === null ||
    Object.keys(aggregates).length === 0
  ) {
    throw new TypeError(
      "aggregates must name at least one aggregate, e.g. { count: 'count', total: { op: 'sum', field: (v) => v.amount } }.",
    );
  }
  return Object.entries(aggregates).map(([name, spec]) => {
    if (reserved.includes(name)) {
      throw new TypeError(`aggregates: "${name}" is taken by the row's own field; rename it.`);
    }
    const { op, field } = typeof spec === 'string' ? { op: spec, field: undefined } : spec;
    if (!AGGREGATE_OPS.includes(op)) {
      throw new TypeError(
        `aggregates.${name}: op must be one of ${AGGREGATE_OPS.join(', ')}, got ${JSON.stringify(op)}.`,
      );
    }
    if (op !== 'count' && typeof field !== 'function') {
      throw new TypeError(
        `aggregates.${name}: '${op}' needs a field function that reads the number from a value.`,
      );
    }
    return { name, op, ...(field ? { field } : {}) };
  });
}

/**
 * A user function that never throws: a value it throws on is treated as giving nothing (left out
 * of every group, or of that aggregate), so one odd record cannot fail the whole table.
 */
export function guarded<A extends unknown[], R>(
  fn: (...args: A) => R,
): (...args: A) => R | undefined {
  return (...args) => {
    try {
      return fn(...args);
    } catch {
      return undefined;
    }
  };
}

/**
 * A table's group function as its aggregates' states call it: guarded, a string or nothing, and
 * computed once per record however many aggregates ask (they ask in turn for the same value).
 */
export function groupFunction<S, K>(
  groupBy: (value: S, key: K) => string | undefined,
): (value: S, key: K) => string | undefined {
  const group = guarded(groupBy);
  let lastValue: S | undefined;
  let lastKey: K | undefined;
  let last: string | undefined;
  return (value, key) => {
    if (value !== lastValue || key !== lastKey) {
      const g = group(value, key);
      lastValue = value;
      lastKey = key;
      last = typeof g === 'string' ? g : undefined;
    }
    return last;
  };
}
