import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyHash } from './key-hash.js';
import { KeyTable } from './key-table.js';
import { keyOps } from './test/key-ops.js';

const ops = keyOps(60, 500);

describe('KeyTable', () => {
  // The real hash, and hashes that put many keys in one bucket: chains, deletes inside them,
  // growth and compaction must all keep the table equal to a Map.
  const hashes: [string, (key: string) => number][] = [
    ['keyHash', keyHash],
    ['three values', (key) => key.length % 3],
    ['one value', () => 7],
  ];
  for (const [name, hash] of hashes) {
    it(`reads, iterates and counts as a Map does, in insertion order (${name})`, () => {
      fc.assert(
        fc.property(ops, (list) => {
          let table = new KeyTable();
          const model = new Map<string, number>();
          const copies: [KeyTable, [string, number][]][] = [];
          for (const o of list) {
            if (o.op === 'clone') {
              copies.push([table, [...model]]);
              table = table.copy();
              continue;
            }
            const key = `k${o.key}`;
            if (o.op === 'set') {
              expect(table.set(key, hash(key), o.value)).toBe(!model.has(key));
              model.set(key, o.value);
            } else {
              expect(table.delete(key, hash(key))).toBe(model.delete(key));
            }
            expect(table.size).toBe(model.size);
          }
          expect([...table.entries()]).toEqual([...model]);
          expect([...table.keys()]).toEqual([...model.keys()]);
          expect([...table.values()]).toEqual([...model.values()]);
          expect([...table.hashList()]).toEqual([...model.keys()].map(hash));
          for (let k = 0; k <= 60; k++) {
            const key = `k${k}`;
            expect(table.has(key, hash(key))).toBe(model.has(key));
            expect(table.get(key, hash(key))).toBe(model.get(key));
          }
          // A copy is untouched by what the table did after it.
          for (const [copy, entries] of copies) expect([...copy.entries()]).toEqual(entries);
        }),
      );
    });
  }

  it('holds a chunk’s worth of keys, and gives back its room as keys go', () => {
    const table = new KeyTable();
    for (let i = 0; i < 1 << 17; i++) table.set(`key-${i}`, keyHash(`key-${i}`), i);
    expect(table.size).toBe(1 << 17);
    expect(table.get('key-77777', keyHash('key-77777'))).toBe(77_777);
    for (let i = 0; i < 1 << 17; i += 2) table.delete(`key-${i}`, keyHash(`key-${i}`));
    expect(table.size).toBe(1 << 16);
    expect([...table.keys()].slice(0, 3)).toEqual(['key-1', 'key-3', 'key-5']);
    expect(table.has('key-2', keyHash('key-2'))).toBe(false);
  });
});
