import { describe, expect, it } from 'vitest';
import type { KeyChange } from '../key-change.js';
import { OrderedRows } from './ordered-rows.js';
import type { StreamRow } from './stream-row.js';

const row = (partition: number, offset: number, timestamp: number): StreamRow<string> => ({
  key: null,
  value: `${partition}:${offset}`,
  timestamp,
  partition,
  offset,
});
const set = (r: StreamRow<string>): KeyChange<StreamRow<string>> => ({
  key: `${r.partition}:${r.offset}`,
  deleted: false,
  value: r,
});
const del = (key: string): KeyChange<StreamRow<string>> => ({ key, deleted: true });
const ids = (rows: OrderedRows<string>) => rows.rows.map((r) => r.value);

describe('OrderedRows', () => {
  it('orders by timestamp, then partition, then offset, across batches', () => {
    const rows = new OrderedRows<string>();
    rows.apply([set(row(1, 0, 20)), set(row(0, 5, 20)), set(row(0, 4, 10))]);
    expect(ids(rows)).toEqual(['0:4', '0:5', '1:0']);
    // A late record lands in its place, not at the end.
    rows.apply([set(row(1, 1, 15)), set(row(0, 6, 30))]);
    expect(ids(rows)).toEqual(['0:4', '1:1', '0:5', '1:0', '0:6']);
  });

  it('removes deleted rows and gives a new array only when something changed', () => {
    const rows = new OrderedRows<string>();
    rows.apply([set(row(0, 0, 1)), set(row(0, 1, 2)), set(row(0, 2, 3))]);
    const before = rows.rows;
    expect(rows.apply([del('9:9')])).toBe(false);
    expect(rows.rows).toBe(before);
    expect(rows.apply([del('0:0'), set(row(0, 3, 4))])).toBe(true);
    expect(ids(rows)).toEqual(['0:1', '0:2', '0:3']);
    expect(before.map((r) => r.value)).toEqual(['0:0', '0:1', '0:2']);
  });

  it('a set of a row id it holds replaces that row (a reset re-sends every row)', () => {
    const rows = new OrderedRows<string>();
    rows.apply([set(row(0, 0, 1)), set(row(0, 1, 2))]);
    rows.apply([set(row(0, 0, 1)), set(row(0, 1, 2))]);
    expect(ids(rows)).toEqual(['0:0', '0:1']);
  });

  it('with a limit keeps only the newest rows', () => {
    const rows = new OrderedRows<string>(2);
    rows.apply([set(row(0, 0, 1)), set(row(0, 1, 2)), set(row(0, 2, 3))]);
    expect(ids(rows)).toEqual(['0:1', '0:2']);
    rows.apply([set(row(0, 3, 4))]);
    expect(ids(rows)).toEqual(['0:2', '0:3']);
  });

  it('leaves out values that are not rows', () => {
    const rows = new OrderedRows<string>();
    rows.apply([{ key: 'x', deleted: false, value: 'plain' as never }]);
    expect(rows.rows).toEqual([]);
  });
});
