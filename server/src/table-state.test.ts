import { describe, expect, it } from 'vitest';
import { json } from '../../shared/src/codecs/json.js';
import { utf8 } from '../../shared/src/codecs/utf8.js';
import type { RawRecord, RecordBatch } from './source/kafka-source.js';
import type { TableChange } from './table-change.js';
import { TableState } from './table-state.js';

const enc = new TextEncoder();
const rec = (offset: number, key: string | Uint8Array | null, value: unknown): RawRecord => ({
  offset,
  key: typeof key === 'string' ? enc.encode(key) : key,
  value:
    value === null ? null : value instanceof Uint8Array ? value : enc.encode(JSON.stringify(value)),
});
const batch = (
  partition: number,
  records: RawRecord[],
  extra: Partial<RecordBatch> = {},
): RecordBatch => ({
  partition,
  records,
  nextOffset: (records.at(-1)?.offset ?? -1) + 1,
  ...extra,
});
const fresh = () => {
  const state = new TableState(utf8(), json<unknown>());
  state.positions[0] = 0;
  state.positions[1] = 0;
  return state;
};
const map = (state: TableState<unknown>) => Object.fromEntries(state.entries());

/** A change as a plain object, its value decoded, without the stored text. */
const plain = (change: TableChange<unknown>) =>
  change.deleted
    ? { ...change }
    : {
        key: change.key,
        deleted: false,
        value: change.value,
        partition: change.partition,
        offset: change.offset,
      };

describe('TableState apply rules', () => {
  it('keeps the last value per key and deletes on tombstones', () => {
    const state = fresh();
    state.apply(
      batch(0, [rec(0, 'a', 1), rec(1, 'b', 1), rec(2, 'a', 2), rec(3, 'b', null)]),
      undefined,
    );
    expect(map(state)).toEqual({ a: 2 });
    expect(state.recordsApplied).toBe(4);
    expect(state.tombstonesApplied).toBe(1);
    expect(state.positions[0]).toBe(4);
  });

  it('counts a tombstone for an absent key without reporting a change', () => {
    const state = fresh();
    const changes: TableChange<unknown>[] = [];
    state.apply(batch(0, [rec(0, 'ghost', null)]), changes);
    expect(state.tombstonesApplied).toBe(1);
    expect(changes).toEqual([]);
  });

  it('skips and counts keyless records', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, null, 1), rec(1, null, null)]), undefined);
    expect(state.keylessRecords).toBe(2);
    expect(state.size).toBe(0);
  });

  it('skips and counts undecodable keys, tombstones included', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'k', 1)]), undefined);
    const bad = new Uint8Array([0xff, 0xfe]);
    state.apply(batch(0, [rec(1, bad, 2), rec(2, bad, null)]), undefined);
    expect(state.keyDecodeErrors).toBe(2);
    expect(state.tombstonesApplied).toBe(0);
    expect(map(state)).toEqual({ k: 1 });
  });

  it('keeps the previous value when a value does not decode', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'k', { v: 1 }), rec(1, 'k', enc.encode('{not json'))]), undefined);
    expect(state.valueDecodeErrors).toBe(1);
    expect(map(state)).toEqual({ k: { v: 1 } });
    expect(state.entry('k')?.offset).toBe(0);
  });

  it('treats empty bytes as a value, not a tombstone', () => {
    const state = new TableState(utf8(), utf8());
    state.positions[0] = 0;
    state.apply(batch(0, [rec(0, 'k', new Uint8Array(0))]), undefined);
    expect(state.get('k')).toBe('');
    expect(state.tombstonesApplied).toBe(0);
  });

  it('reports changes in apply order with their partition and offset', () => {
    const state = fresh();
    state.apply(batch(1, [rec(0, 'b', 0)], { fetchOffset: 0 }), undefined);
    const changes: TableChange<unknown>[] = [];
    state.apply(
      batch(1, [rec(5, 'a', 1), rec(6, 'b', null), rec(7, 'c', 3)], { fetchOffset: 1 }),
      changes,
    );
    expect(changes.map(plain)).toEqual([
      { key: 'a', deleted: false, value: 1, partition: 1, offset: 5 },
      { key: 'b', deleted: true, partition: 1, offset: 6 },
      { key: 'c', deleted: false, value: 3, partition: 1, offset: 7 },
    ]);
  });

  it('applies only the last record of a key within a batch, as compaction would', () => {
    const state = fresh();
    const changes: TableChange<unknown>[] = [];
    state.apply(
      batch(0, [rec(0, 'a', 1), rec(1, 'b', 1), rec(2, 'a', 2), rec(3, 'a', 3)]),
      changes,
    );
    expect(changes.map((c) => [c.key, c.offset])).toEqual([
      ['b', 1],
      ['a', 3],
    ]);
    expect(state.recordsApplied).toBe(4);
  });

  it('never decodes a superseded value, so a superseded poison value is not counted', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'a', enc.encode('{poison')), rec(1, 'a', 2)]), undefined);
    expect(map(state)).toEqual({ a: 2 });
    expect(state.valueDecodeErrors).toBe(0);
  });

  it('falls back to the previous record in the batch when the last value does not decode', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'a', 'old')]), undefined);
    const changes: TableChange<unknown>[] = [];
    state.apply(
      batch(0, [
        rec(1, 'a', 'good'),
        rec(2, 'a', enc.encode('{bad')),
        rec(3, 'a', enc.encode('{bad')),
      ]),
      changes,
    );
    expect(map(state)).toEqual({ a: 'good' });
    expect(state.entry('a')?.offset).toBe(1);
    expect(state.valueDecodeErrors).toBe(2);
    expect(changes.map(plain)).toEqual([
      { key: 'a', deleted: false, value: 'good', partition: 0, offset: 1 },
    ]);

    state.apply(batch(0, [rec(4, 'a', null), rec(5, 'a', enc.encode('{bad'))]), undefined);
    expect(map(state)).toEqual({});
  });

  it('ignores records before the position (a refetch after a rebalance)', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'a', 1), rec(1, 'a', 2)]), undefined);
    state.apply(
      batch(0, [rec(0, 'a', 'stale'), rec(1, 'a', 'stale'), rec(2, 'b', 3)], { fetchOffset: 0 }),
      undefined,
    );
    expect(map(state)).toEqual({ a: 2, b: 3 });
    expect(state.recordsApplied).toBe(3);
  });

  it('moves the position past records it never saw (markers, compaction gaps)', () => {
    const state = fresh();
    state.apply({ partition: 0, records: [], nextOffset: 7 }, undefined);
    expect(state.positions[0]).toBe(7);
    state.apply({ partition: 0, records: [], nextOffset: 3 }, undefined);
    expect(state.positions[0]).toBe(7);
  });

  it('rebuilds a partition when the client jumps past the position (log truncated under it)', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'gone', 1), rec(1, 'kept', 1)]), undefined);
    state.apply(batch(1, [rec(0, 'other', 1)]), undefined);
    const changes: TableChange<unknown>[] = [];
    const rebuilt = state.apply(batch(0, [rec(10, 'kept', 2)], { fetchOffset: 10 }), changes);
    expect(rebuilt).toBe(true);
    expect(map(state)).toEqual({ kept: 2, other: 1 });
    expect(changes.map((c) => [c.key, c.deleted])).toEqual([
      ['gone', true],
      ['kept', true],
      ['kept', false],
    ]);
    expect(state.positions[0]).toBe(11);
  });

  it('starts a partition it has never seen at the batch', () => {
    const state = new TableState(utf8(), json<unknown>());
    state.apply(batch(3, [rec(0, 'new', 1)], { fetchOffset: 0 }), undefined);
    expect(map(state)).toEqual({ new: 1 });
    expect(state.positions[3]).toBe(1);
  });
});
