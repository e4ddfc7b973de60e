import { describe, expect, it } from 'vitest';
import type { Codec } from '../../shared/src/codecs/codec.js';
import { json } from '../../shared/src/codecs/json.js';
import { superjsonCodec } from '../../shared/src/codecs/superjson.js';
import { utf8 } from '../../shared/src/codecs/utf8.js';
import type { RawRecord, RecordBatch } from './source/kafka-source.js';
import { type RejectedValue, TableState } from './table-state.js';
import type { TableChange } from './table-types.js';

const enc = new TextEncoder();
const rec = (offset: number, key: string | Uint8Array | null, value: unknown): RawRecord => ({
  offset,
  timestamp: 0,
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

const deepJson = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const depthOf = (value: unknown) => {
  let depth = 0;
  for (let v = value; Array.isArray(v); v = v[0]) depth++;
  return depth;
};
/** Accepts what JSON.parse accepts, without the json codec's shortcut: values go through toWireValue. */
const passThrough: Codec<unknown> = {
  name: 'pass-through',
  encode: (value) => enc.encode(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes)),
};

describe('TableState storage: values kept as wire text', () => {
  it('keeps a plain JSON record as its own text, unchanged, and decodes it on every read', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'k', enc.encode('{ "a" : [1, 2] }'))]), undefined);
    expect(state.wire('k')).toEqual(['k', '{ "a" : [1, 2] }', true]);
    const first = state.get('k');
    expect(first).toEqual({ a: [1, 2] });
    expect(state.get('k')).not.toBe(first);
  });

  it('keeps a value that needs meta as its whole wire value and revives it on read', () => {
    const state = new TableState(utf8(), superjsonCodec());
    state.positions[0] = 0;
    const value = { at: new Date(0), tags: new Set(['a']) };
    state.apply(batch(0, [rec(0, 'k', superjsonCodec().encode(value))]), undefined);
    const [, text, plain] = state.wire('k')!;
    expect(plain).toBe(false);
    expect(JSON.parse(text)).toHaveLength(2);
    expect(state.get('k')).toEqual(value);
  });

  it('stores JSON nested too deep for superjson when the codec is plain JSON', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'deep', enc.encode(deepJson(20_000)))]), undefined);
    expect(state.valueEncodeErrors).toBe(0);
    expect(depthOf(state.get('deep'))).toBe(20_000);
  });

  it('rejects a value the wire cannot carry like an undecodable one: counted, previous kept', () => {
    const rejected: RejectedValue[] = [];
    const state = new TableState(utf8(), passThrough, 100, (r) => rejected.push(r));
    state.positions[0] = 0;
    const changes: TableChange<unknown>[] = [];
    state.apply(batch(0, [rec(0, 'k', 1), rec(1, 'other', 1)]), undefined);
    state.apply(
      batch(0, [
        rec(2, 'k', enc.encode(deepJson(20_000))),
        rec(3, 'other', enc.encode('{bad')),
        rec(4, 'fresh', 2),
      ]),
      changes,
    );
    expect(map(state)).toEqual({ k: 1, other: 1, fresh: 2 });
    expect(state.entry('k')?.offset).toBe(0);
    expect(state.valueEncodeErrors).toBe(1);
    expect(state.valueDecodeErrors).toBe(1);
    expect(rejected.map((r) => [r.failure, r.key, r.offset])).toEqual([
      ['encode', 'k', 2],
      ['decode', 'other', 3],
    ]);
    expect(changes.map(plain)).toEqual([
      { key: 'fresh', deleted: false, value: 2, partition: 0, offset: 4 },
    ]);
  });

  it('rejects a value longer than maxValueBytes before decoding it: counted, previous kept, one at the limit stored', () => {
    const rejected: RejectedValue[] = [];
    const state = new TableState(utf8(), json<unknown>(), 100, (r) => rejected.push(r), 10);
    state.positions[0] = 0;
    state.apply(batch(0, [rec(0, 'k', 'small')]), undefined);
    const changes: TableChange<unknown>[] = [];
    // 11 bytes of valid JSON, then exactly 10.
    state.apply(batch(0, [rec(1, 'k', 'elevenchr'), rec(2, 'at', 'ten-chrs')]), changes);
    expect(map(state)).toEqual({ k: 'small', at: 'ten-chrs' });
    expect(state.valueTooLargeErrors).toBe(1);
    expect(state.valueDecodeErrors).toBe(0);
    expect(rejected.map((r) => [r.failure, r.key, r.offset, String(r.error)])).toEqual([
      ['size', 'k', 1, "RangeError: 11 bytes, over the table's maxValueBytes of 10"],
    ]);
    expect(changes.map((c) => c.key)).toEqual(['at']);
  });

  it('falls back to the previous record of the batch when the last one has no wire form', () => {
    const state = new TableState(utf8(), passThrough);
    state.positions[0] = 0;
    state.apply(batch(0, [rec(0, 'k', 1), rec(1, 'k', enc.encode(deepJson(20_000)))]), undefined);
    expect(map(state)).toEqual({ k: 1 });
    expect(state.entry('k')?.offset).toBe(0);
  });

  it('keeps serving after a rejection listener throws', () => {
    const state = new TableState(utf8(), json<unknown>(), 100, () => {
      throw new Error('listener bug');
    });
    state.positions[0] = 0;
    state.apply(batch(0, [rec(0, 'bad', enc.encode('{')), rec(1, 'good', 1)]), undefined);
    expect(map(state)).toEqual({ good: 1 });
  });

  it('deletes on tombstones and reuses the freed room for the next key', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'a', 1), rec(1, 'b', 2)]), undefined);
    state.apply(batch(0, [rec(2, 'a', null)]), undefined);
    expect(state.has('a')).toBe(false);
    state.apply(batch(0, [rec(3, 'c', 3)]), undefined);
    expect(map(state)).toEqual({ b: 2, c: 3 });
    expect(state.entry('c')).toEqual({ value: 3, partition: 0, offset: 3 });
    expect(state.entry('b')).toEqual({ value: 2, partition: 0, offset: 1 });
  });

  it('reports what changed since a position as values or as stored wire text', () => {
    const state = fresh();
    state.tombstones.horizon[0] = 0;
    state.apply(batch(0, [rec(0, 'old', 1), rec(1, 'gone', 1)]), undefined);
    state.apply(batch(0, [rec(2, 'new', { n: 2 }), rec(3, 'gone', null)]), undefined);
    expect(state.changesSince([2])).toEqual({ sets: [['new', { n: 2 }]], deletes: ['gone'] });
    expect(state.wireChangesSince([2])).toEqual({
      sets: [['new', '{"n":2}', true]],
      deletes: ['gone'],
    });
    expect([...state.wireEntries()].map(([key]) => key)).toEqual(['old', 'new']);
  });
});
