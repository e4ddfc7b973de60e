import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueStore } from './value-store.js';

describe('ValueStore', () => {
  it('reuses the slot of a deleted key for the next new key', () => {
    const store = new ValueStore();
    expect(store.set('a', '1', true, 0, 10)).toBe(true);
    expect(store.set('b', '2', true, 1, 11)).toBe(true);
    expect(store.delete('a')).toBe(true);
    expect(store.delete('a')).toBe(false);
    expect(store.set('c', '[3,{}]', false, 2, 12)).toBe(true);
    expect(store.capacity).toBe(2);
    const c = store.slot('c')!;
    expect([store.text(c), store.isPlain(c), store.partition(c), store.offset(c)]).toEqual([
      '[3,{}]',
      false,
      2,
      12,
    ]);
    expect([...store.keys()].sort()).toEqual(['b', 'c']);
  });

  it('updates a key in place and keeps every column across growth', () => {
    const store = new ValueStore();
    for (let i = 0; i < 1_000; i++) store.set(`k${i}`, String(i), i % 2 === 0, i % 7, i * 3);
    expect(store.set('k5', 'five', false, 6, 2 ** 40)).toBe(false);
    expect(store.size).toBe(1_000);
    for (let i = 0; i < 1_000; i++) {
      const slot = store.slot(`k${i}`)!;
      if (i === 5) {
        expect([store.text(slot), store.offset(slot)]).toEqual(['five', 2 ** 40]);
        continue;
      }
      expect([
        store.text(slot),
        store.isPlain(slot),
        store.partition(slot),
        store.offset(slot),
      ]).toEqual([String(i), i % 2 === 0, i % 7, i * 3]);
    }
  });

  it('widens its numeric columns for offsets past 2^32 and partitions past 32767', () => {
    const store = new ValueStore();
    store.set('small', 'a', true, 1, 7);
    store.set('far', 'b', false, 100_000, 2 ** 50);
    const small = store.slot('small')!;
    const far = store.slot('far')!;
    expect([store.partition(small), store.offset(small), store.isPlain(small)]).toEqual([
      1,
      7,
      true,
    ]);
    expect([store.partition(far), store.offset(far), store.isPlain(far)]).toEqual([
      100_000,
      2 ** 50,
      false,
    ]);
  });
});

describe('ValueStore against a Map model', () => {
  it('finds, updates and deletes like a Map under random operations', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.string({ maxLength: 6 }),
        n: fc.nat(),
      }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.string({ maxLength: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const store = new ValueStore();
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            expect(store.set(o.key, String(o.n), true, o.n % 3, o.n)).toBe(!model.has(o.key));
            model.set(o.key, o.n);
          } else {
            expect(store.delete(o.key)).toBe(model.delete(o.key));
          }
        }
        expect(store.size).toBe(model.size);
        expect(new Map([...store].map(([key, slot]) => [key, store.offset(slot)]))).toEqual(model);
        for (const [key, n] of model) {
          const slot = store.slot(key)!;
          expect([store.text(slot), store.partition(slot)]).toEqual([String(n), n % 3]);
        }
        // At most as many slots as keys were ever alive at once.
        expect(store.capacity).toBeLessThanOrEqual(new Set(ops.map((o) => o.key)).size);
      }),
      { numRuns: 300, seed: 20261205 },
    );
  });

  it('keeps up with many keys and heavy churn', () => {
    const store = new ValueStore();
    // Counted, then asserted once: an expect() per operation cost more than the store itself.
    let added = 0;
    let deleted = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20_000; i++) if (store.set(`k${round}-${i}`, 'v', true, 0, i)) added++;
      for (let i = 0; i < 20_000; i++) if (store.delete(`k${round}-${i}`)) deleted++;
    }
    expect([added, deleted]).toEqual([100_000, 100_000]);
    expect(store.size).toBe(0);
    expect(store.capacity).toBe(20_000);
    expect(store.has('k0-0')).toBe(false);
  });
});
