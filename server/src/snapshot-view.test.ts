import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { json } from '../../shared/src/codecs/json.js';
import { utf8 } from '../../shared/src/codecs/utf8.js';
import type { StoredEntry } from './snapshot-view.js';
import type { RawRecord } from './source/kafka-source.js';
import { decodeStored } from './stored-value.js';
import { TableState } from './table-state.js';

const enc = new TextEncoder();
const decoded = (entry: StoredEntry) => decodeStored(entry.text, entry.plain);

/** A two-partition table state with a log writer that tracks each partition's next offset. */
function table() {
  const state = new TableState(utf8(), json<unknown>());
  state.positions[0] = 0;
  state.positions[1] = 0;
  const write = (partition: number, ops: Array<[string, unknown]>) => {
    const start = state.positions[partition]!;
    const records: RawRecord[] = ops.map(([key, value], i) => ({
      offset: start + i,
      timestamp: 0,
      key: enc.encode(key),
      value: value === null ? null : enc.encode(JSON.stringify(value)),
    }));
    state.apply({ partition, records, nextOffset: start + records.length }, undefined);
  };
  const now = () => new Map(state.entries());
  return { state, write, now };
}

/**
 * Reads a view to the end, applying one of `batches` between slices of `slice` keys and at most
 * `maxChars` characters (checked: a slice passes it by its last entry at most).
 */
function readWhileWriting(
  t: ReturnType<typeof table>,
  view: ReturnType<TableState<unknown>['openView']>,
  slice: number,
  batches: Array<[number, Array<[string, unknown]>]>,
  maxChars?: number,
) {
  const sets: Array<readonly [string, StoredEntry]> = [];
  const deletes: string[] = [];
  let i = 0;
  for (;;) {
    const part: Array<readonly [string, StoredEntry]> = [];
    const deletesBefore = deletes.length;
    const done = view.read(slice, slice * 4, part, deletes, maxChars);
    const sizes = [
      ...part.map(([key, entry]) => key.length + entry.text.length),
      ...deletes.slice(deletesBefore).map((key) => key.length),
    ];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (maxChars !== undefined) expect(total - (sizes.at(-1) ?? 0)).toBeLessThan(maxChars);
    // Entries are only valid until the table changes: copy, as a frame encoder would.
    for (const [key, entry] of part) sets.push([key, { ...entry }]);
    if (done) break;
    const next = batches[i++];
    if (next) t.write(...next);
  }
  while (i < batches.length) t.write(...batches[i++]!);
  return { sets, deletes };
}

const op = fc.tuple(
  fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
  fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant(null)),
);
const batchArb = fc.tuple(
  fc.integer({ min: 0, max: 1 }),
  fc.array(op, { minLength: 1, maxLength: 4 }),
);

describe('SnapshotView', () => {
  it('I10, I11: reads the table exactly as it was at its position while batches keep landing, in parts of at most maxChars', () => {
    fc.assert(
      fc.property(
        fc.array(batchArb, { maxLength: 8 }),
        fc.array(batchArb, { maxLength: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        (before, during, slice, maxChars) => {
          const t = table();
          for (const b of before) t.write(...b);
          const expected = t.now();
          const view = t.state.openView(t.state.positions);
          const { sets, deletes } = readWhileWriting(t, view, slice, during, maxChars);
          const keys = sets.map(([k]) => k);
          expect(new Set(keys).size).toBe(keys.length);
          expect(deletes).toEqual([]);
          expect(new Map(sets.map(([k, e]) => [k, decoded(e)]))).toEqual(expected);
          expect(view.kept).toBe(0);
        },
      ),
    );
  });

  it('resumes: only what changed since a position, at the view position, under a filter', () => {
    fc.assert(
      fc.property(
        fc.array(batchArb, { maxLength: 6 }),
        fc.array(batchArb, { maxLength: 6 }),
        fc.array(batchArb, { maxLength: 10 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        (first, second, during, maxChars) => {
          const t = table();
          for (const b of first) t.write(...b);
          const old = t.now();
          const since = [...t.state.positions];
          for (const b of second) t.write(...b);
          const matches = (key: string) => key < 'e';
          const expected = new Map([...t.now()].filter(([k]) => matches(k)));
          const view = t.state.openView(t.state.positions, { since, matches });
          expect(view.mode).toBe('resume');
          const { sets, deletes } = readWhileWriting(t, view, 2, during, maxChars);
          const client = new Map([...old].filter(([k]) => matches(k)));
          for (const key of deletes) client.delete(key);
          for (const [key, entry] of sets) client.set(key, decoded(entry));
          expect(client).toEqual(expected);
          const keys = [...sets.map(([k]) => k), ...deletes];
          expect(new Set(keys).size).toBe(keys.length);
        },
      ),
    );
  });

  it('falls back to a reset when the deletes since the position are no longer known', () => {
    const t = table();
    t.write(0, [['a', 1]]);
    t.state.tombstones.horizon[0] = 1;
    expect(t.state.openView(t.state.positions, { since: [0] }).mode).toBe('reset');
  });
});
