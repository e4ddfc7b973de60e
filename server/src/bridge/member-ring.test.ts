import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemberRing } from './member-ring.js';

const round = <M>(ring: MemberRing<M>): M[] => {
  const seen: M[] = [];
  ring.forEachRound((m) => seen.push(m));
  return seen;
};

describe('MemberRing', () => {
  it('visits every member once per round, starting one member further on each round', () => {
    const ring = new MemberRing<string>();
    for (const m of ['a', 'b', 'c']) ring.add(m);
    expect(round(ring)).toEqual(['a', 'b', 'c']);
    expect(round(ring)).toEqual(['b', 'c', 'a']);
    expect(round(ring)).toEqual(['c', 'a', 'b']);
    expect(round(ring)).toEqual(['a', 'b', 'c']);
  });

  it('no member is last in every round: over n rounds each is last once', () => {
    const ring = new MemberRing<number>();
    for (let i = 0; i < 5; i++) ring.add(i);
    const lasts = Array.from({ length: 5 }, () => round(ring).at(-1));
    expect(new Set(lasts).size).toBe(5);
  });

  it('a member added or deleted during a round waits for the next round', () => {
    const ring = new MemberRing<string>();
    for (const m of ['a', 'b', 'c']) ring.add(m);
    const seen: string[] = [];
    ring.forEachRound((m) => {
      seen.push(m);
      if (m === 'a') {
        ring.delete('b');
        ring.add('d');
      }
    });
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(new Set(round(ring))).toEqual(new Set(['a', 'c', 'd']));
  });

  it('keeps exactly the members added and not deleted, whatever the order of calls', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 9 })), { maxLength: 60 }),
        fc.nat(20),
        (ops, rounds) => {
          const ring = new MemberRing<number>();
          const model = new Set<number>();
          for (const [add, m] of ops) {
            if (add) {
              ring.add(m);
              model.add(m);
            } else {
              ring.delete(m);
              model.delete(m);
            }
          }
          for (let i = 0; i < rounds; i++) round(ring);
          const visited = round(ring);
          expect(visited.length).toBe(model.size);
          expect(new Set(visited)).toEqual(model);
          expect(new Set(ring)).toEqual(model);
          expect(ring.size).toBe(model.size);
        },
      ),
    );
  });
});
