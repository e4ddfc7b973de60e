import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedMap } from './chunked-map.js';

type Op =
  | { op: 'set'; key: number; value: number }
  | { op: 'delete'; key: number }
  | { op: 'clone' };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ op: fc.constant('set' as const), key: fc.nat(40), value: fc.nat(9) }),
    },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.nat(40) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('clone' as const) }) },
  ),
  { maxLength: 400 },
);

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
    expect(countChunks(map)).toBeLessThanOrEqual(4);
  });
});

/** How many Maps a missing key is looked up in: the chunks, counted through `Map#has`. */
function countChunks(map: ChunkedMap<number>): number {
  let chunks = 0;
  const original = Map.prototype.has;
  Map.prototype.has = function (this: Map<unknown, unknown>, key: unknown) {
    chunks++;
    return original.call(this, key);
  };
  try {
    map.has('absent');
  } finally {
    Map.prototype.has = original;
  }
  return chunks;
}
