import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedMap } from './chunked-map.js';
import { KeyTable } from './key-table.js';
import { type KeyOp, keyOps } from './test/key-ops.js';

type Op = KeyOp;

const ops = keyOps(40, 400);

describe('ChunkedMap', () => {
  it('iterates, reads and counts exactly as one Map would, whatever the order of writes', () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 8 }), (list, chunk) => {
        const map = new ChunkedMap<number>(chunk);
        const model = new Map<string, number>();
        for (const o of list) {
          if (o.op === 'set') {
            map.set(`k${o.key}`, o.value);
            model.set(`k${o.key}`, o.value);
          } else if (o.op === 'delete') {
            expect(map.delete(`k${o.key}`)).toBe(model.delete(`k${o.key}`));
          }
          expect(map.size).toBe(model.size);
        }
        expect([...map]).toEqual([...model]);
        expect([...map.keys()]).toEqual([...model.keys()]);
        expect([...map.values()]).toEqual([...model.values()]);
        for (let k = 0; k <= 40; k++) {
          expect(map.get(`k${k}`)).toBe(model.get(`k${k}`));
          expect(map.has(`k${k}`)).toBe(model.has(`k${k}`));
        }
        const seen: [string, number][] = [];
        map.forEach((value, key, self) => {
          expect(self).toBe(map);
          seen.push([key, value]);
        });
        expect(seen).toEqual([...model]);
      }),
    );
  });

  it('a clone and its original never see each other’s writes', () => {
    fc.assert(
      fc.property(ops, ops, fc.integer({ min: 1, max: 8 }), (before, after, chunk) => {
        const map = new ChunkedMap<number>(chunk);
        const model = new Map<string, number>();
        const apply = (m: ChunkedMap<number> | Map<string, number>, o: Op) => {
          if (o.op === 'set') m.set(`k${o.key}`, o.value);
          else if (o.op === 'delete') m.delete(`k${o.key}`);
        };
        for (const o of before) {
          apply(map, o);
          apply(model, o);
        }
        const frozen = [...model];
        const copy = map.clone();
        const copyModel = new Map(model);
        for (const o of after) {
          apply(copy, o);
          apply(copyModel, o);
        }
        expect([...map]).toEqual(frozen);
        expect([...copy]).toEqual([...copyModel]);
        // And the other way round: writes to the original after cloning leave the clone alone.
        const again = copy.clone();
        for (const o of before) apply(copy, o);
        expect([...again]).toEqual([...copyModel]);
      }),
    );
  });

  it('with rows of text: reads values, never rows, and numbers stay numbers, through clones too', () => {
    // Values are numbers (which a map with rows boxes) or objects kept as text.
    type RowOp = Op | { op: 'row'; key: number; value: number };
    const rowOps: fc.Arbitrary<RowOp[]> = fc.array(
      fc.oneof(
        {
          weight: 3,
          arbitrary: fc.record({
            op: fc.constant('row' as const),
            key: fc.nat(40),
            value: fc.nat(9),
          }),
        },
        {
          weight: 3,
          arbitrary: fc.record({
            op: fc.constant('set' as const),
            key: fc.nat(40),
            value: fc.nat(9),
          }),
        },
        {
          weight: 3,
          arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.nat(40) }),
        },
        { weight: 1, arbitrary: fc.record({ op: fc.constant('clone' as const) }) },
      ),
      { maxLength: 300 },
    );
    fc.assert(
      fc.property(rowOps, fc.integer({ min: 1, max: 8 }), (list, chunk) => {
        const map = ChunkedMap.withRows<unknown>(chunk);
        const rows = map.rows!;
        const frame = rows.addFrame(
          '[{"n":0},{"n":1},{"n":2},{"n":3},{"n":4},{"n":5},{"n":6},{"n":7},{"n":8},{"n":9}]',
        );
        const model = new Map<string, unknown>();
        const clones: [ChunkedMap<unknown>, [string, unknown][]][] = [];
        for (const o of list) {
          if (o.op === 'row') {
            const start = 1 + o.value * 8;
            map.setRow(`k${o.key}`, rows.add(frame, start, start + 7));
            model.set(`k${o.key}`, { n: o.value });
          } else if (o.op === 'set') {
            map.set(`k${o.key}`, o.value);
            model.set(`k${o.key}`, o.value);
          } else if (o.op === 'delete') {
            expect(map.delete(`k${o.key}`)).toBe(model.delete(`k${o.key}`));
          } else {
            clones.push([map.clone(), [...model]]);
          }
        }
        expect([...map]).toEqual([...model]);
        expect([...map.values()]).toEqual([...model.values()]);
        for (let k = 0; k <= 40; k++) expect(map.get(`k${k}`)).toEqual(model.get(`k${k}`));
        for (const [clone, entries] of clones) expect([...clone]).toEqual(entries);
      }),
    );
  });

  it('a row read from any copy of the map is one object, parsed once', () => {
    const map = ChunkedMap.withRows<unknown>(2);
    const rows = map.rows!;
    const frame = rows.addFrame('{"a":1} [2]');
    map.setRow('a', rows.add(frame, 0, 7));
    map.setRow('b', rows.add(frame, 8, 11));
    map.set('c', 3);
    const copy = map.clone();
    // The copy writes to the chunk holding 'a' and 'b', so it copies that chunk first.
    copy.set('b', 'changed');
    expect(rows.peek(0)).toBeUndefined();
    const value = copy.get('a');
    expect(value).toEqual({ a: 1 });
    expect(map.get('a')).toBe(value);
    expect([...map.values()][0]).toBe(value);
    expect(map.get('b')).toEqual([2]);
    expect(copy.get('b')).toBe('changed');
    expect(map.holds('a', value)).toBe(true);
    expect(map.holds('b', [2])).toBe(false);
    expect(map.holds('c', 3)).toBe(true);
    expect(() => new ChunkedMap().setRow('x', 0)).toThrow(TypeError);
  });

  it('keeps few chunks when keys come and go: a lookup never tries more than a handful', () => {
    const map = new ChunkedMap<number>(100);
    // Keys rotate through: 10,000 ever inserted, never more than 150 alive.
    for (let i = 0; i < 10_000; i++) {
      map.set(`k${i}`, i);
      if (i >= 150) map.delete(`k${i - 150}`);
    }
    expect(map.size).toBe(150);
    expect([...map.keys()]).toEqual(Array.from({ length: 150 }, (_, i) => `k${9_850 + i}`));
    // 150 alive in chunks of 100: merged down, not one chunk per 100 ever inserted.
    const looked = countChunks(map);
    expect(looked).toBeGreaterThanOrEqual(1);
    expect(looked).toBeLessThanOrEqual(4);
  });
});

/** How many chunks a missing key is looked up in, counted through `KeyTable#has`. */
function countChunks(map: ChunkedMap<number>): number {
  let chunks = 0;
  const original = KeyTable.prototype.has;
  KeyTable.prototype.has = function (this: KeyTable, key: string, hash: number) {
    chunks++;
    return original.call(this, key, hash);
  };
  try {
    map.has('absent');
  } finally {
    KeyTable.prototype.has = original;
  }
  return chunks;
}
