import { windowKey } from '../server/src/aggregate/window-state.js';

/** One record as a test wrote it, in the order it went to its partition. */
export interface LoggedRecord {
  readonly partition: number;
  readonly key: string | null;
  /** The JSON value, `null` for a tombstone, or `'garbage'` for bytes that do not parse. */
  readonly value: unknown;
  readonly timestamp: number;
}

export type Op = 'count' | 'sum' | 'min' | 'max' | 'avg';

function aggregate(op: Op, xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const sum = xs.reduce((a, b) => a + b, 0);
  if (op === 'count') return xs.length;
  if (op === 'sum') return sum;
  if (op === 'avg') return sum / xs.length;
  return op === 'min' ? Math.min(...xs) : Math.max(...xs);
}

type Aggs = Record<string, { op: Op; field?: string }>;

function numberAt(value: unknown, field: string | undefined): number | undefined {
  const x = field === undefined ? 0 : (value as Record<string, unknown>)[field];
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function rowOf(aggs: Aggs, values: readonly unknown[]): Record<string, number> | undefined {
  let row: Record<string, number> | undefined;
  for (const [name, { op, field }] of Object.entries(aggs)) {
    const xs = values.map((v) => numberAt(v, op === 'count' ? undefined : field));
    const value = aggregate(
      op,
      xs.filter((x): x is number => x !== undefined),
    );
    if (value === undefined) continue;
    row ??= {};
    row[name] = value;
  }
  return row;
}

/** A group-by table recomputed from the log: the last value per key, then grouped. */
export function groupByModel(
  log: readonly LoggedRecord[],
  groupField: string,
  aggs: Aggs,
): Map<string, Record<string, number>> {
  const table = new Map<string, unknown>();
  for (const r of log) {
    if (r.key === null || r.value === 'garbage') continue;
    if (r.value === null) table.delete(r.key);
    else table.set(r.key, r.value);
  }
  const groups = new Map<string, unknown[]>();
  for (const value of table.values()) {
    const group = (value as Record<string, unknown>)[groupField];
    if (typeof group !== 'string') continue;
    groups.set(group, [...(groups.get(group) ?? []), value]);
  }
  const out = new Map<string, Record<string, number>>();
  for (const [group, values] of groups) {
    const row = rowOf(aggs, values);
    if (row) out.set(group, row);
  }
  return out;
}

/**
 * A windowed table recomputed from the log, one partition at a time: each partition's stream
 * time decides which records are late and which windows expired; a window's row combines the
 * parts of the partitions that still hold it.
 */
export function windowedModel(
  log: readonly LoggedRecord[],
  groupField: string,
  window: { sizeMs: number; advanceMs: number; graceMs: number; retainMs: number },
  aggs: Aggs,
): Map<string, Record<string, unknown>> {
  const parts = new Map<string, { group: string; start: number; values: unknown[] }[]>();
  for (const partition of new Set(log.map((r) => r.partition))) {
    let streamTime = Number.NEGATIVE_INFINITY;
    const mine = new Map<string, { group: string; start: number; values: unknown[] }>();
    for (const r of log) {
      if (r.partition !== partition) continue;
      // Records without a value, or whose value does not decode, do not move stream time.
      if (r.value === null || r.value === 'garbage') continue;
      streamTime = Math.max(streamTime, r.timestamp);
      const group = (r.value as Record<string, unknown>)[groupField];
      if (typeof group !== 'string') continue;
      const first = Math.floor(r.timestamp / window.advanceMs) * window.advanceMs;
      for (let start = first; start > r.timestamp - window.sizeMs; start -= window.advanceMs) {
        if (start + window.sizeMs + window.graceMs <= streamTime) continue;
        const key = windowKey(group, start);
        const part = mine.get(key) ?? { group, start, values: [] };
        part.values.push(r.value);
        mine.set(key, part);
      }
    }
    for (const [key, part] of mine) {
      if (part.start + window.sizeMs + window.retainMs <= streamTime) continue;
      parts.set(key, [...(parts.get(key) ?? []), part]);
    }
  }
  const out = new Map<string, Record<string, unknown>>();
  for (const [key, ps] of parts) {
    const row = rowOf(
      aggs,
      ps.flatMap((p) => p.values),
    );
    if (row === undefined) continue;
    const { group, start } = ps[0]!;
    out.set(key, { group, start, end: start + window.sizeMs, ...row });
  }
  return out;
}
