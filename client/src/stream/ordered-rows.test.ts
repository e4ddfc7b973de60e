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

describe('OrderedRows given values that are not rows', () => {
  const bad = (key: string, value: unknown) =>
    ({ key, deleted: false, value }) as KeyChange<StreamRow<string>>;

  it('skips and counts each kind of malformed row, keeping the good rows of the batch in order', () => {
    const rows = new OrderedRows<string>();
    const good = row(0, 1, 10);
    const { timestamp: _, ...noTime } = row(0, 2, 11);
    const malformed: KeyChange<StreamRow<string>>[] = [
      bad('0:2', noTime),
      bad('0:3', { ...row(0, 3, 12), offset: '3' }),
      bad('0:4', { ...row(0, 4, 12), timestamp: Number.POSITIVE_INFINITY }),
      bad('0:5', row(1, 9, 13)),
      bad('0:6', { ...row(0, 6, 13), headers: 'trace=abc' }),
      bad('0:7', { ...row(0, 7, 13), headers: [['trace', 7]] }),
      bad('0:8', { ...row(0, 8, 13), key: 8 }),
      bad('0:9', null),
      bad('-1:0', row(-1, 0, 1)),
    ];
    expect(rows.apply([set(row(0, 0, 20)), ...malformed, set(good)])).toBe(true);
    expect(ids(rows)).toEqual(['0:1', '0:0']);
    expect(rows.rejected).toBe(malformed.length);
    expect(rows.lastProblem).toBe('row "-1:0" has no valid partition and offset');
  });

  it('a row under another id never evicts the index of the real row with that id', () => {
    const rows = new OrderedRows<string>(2);
    rows.apply([set(row(1, 9, 5))]);
    // Claims to be 1:9 under the id 0:5, and is older: trimming it must not touch 1:9's entry.
    rows.apply([bad('0:5', row(1, 9, 1))]);
    rows.apply([set(row(0, 6, 6))]);
    rows.apply([del('1:9')]);
    expect(ids(rows)).toEqual(['0:6']);
    expect(rows.rejected).toBe(1);
  });

  it('takes a time past 2^53, as a Kafka long arrives through JSON', () => {
    const rows = new OrderedRows<string>();
    rows.apply([set(row(0, 0, 2 ** 63 - 1024)), set(row(0, 1, 0))]);
    expect(ids(rows)).toEqual(['0:1', '0:0']);
    expect(rows.rejected).toBe(0);
  });

  it('a malformed value for a held id removes the row held there', () => {
    const rows = new OrderedRows<string>();
    rows.apply([set(row(0, 0, 1)), set(row(0, 1, 2))]);
    rows.apply([bad('0:0', { nope: true })]);
    expect(ids(rows)).toEqual(['0:1']);
    expect(rows.rejected).toBe(1);
  });

  it('an id set twice in one batch shows its last row once', () => {
    const rows = new OrderedRows<string>();
    rows.apply([set(row(0, 0, 5))]);
    rows.apply([set(row(0, 0, 1)), set(row(0, 1, 3)), set({ ...row(0, 0, 9), value: 'again' })]);
    expect(rows.rows.map((r) => r.value)).toEqual(['0:1', 'again']);
    rows.apply([del('0:0')]);
    expect(ids(rows)).toEqual(['0:1']);
  });

  it('takes a huge header list that is well formed, and refuses one with a bad entry at the end', () => {
    const rows = new OrderedRows<string>();
    const headers = Array.from(
      { length: 100_000 },
      (_, i) => [`h${i}`, i % 2 ? null : 'v'] as const,
    );
    rows.apply([set({ ...row(0, 0, 1), headers })]);
    rows.apply([bad('0:1', { ...row(0, 1, 2), headers: [...headers, ['late']] })]);
    expect(ids(rows)).toEqual(['0:0']);
    expect(rows.rows[0]!.headers).toHaveLength(100_000);
    expect(rows.rejected).toBe(1);
  });
});
