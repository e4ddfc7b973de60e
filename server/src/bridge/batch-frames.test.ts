import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { KeyFilter, Position } from '../../../shared/src/protocol/index.js';
import { keyMatcher } from '../../../shared/src/protocol/key-filter.js';
import type { TableChange } from '../table-types.js';
import { deleteChange, setChange } from '../test/table-changes.js';
import { BatchFrames } from './batch-frames.js';
import { canonicalFilter } from './canonical-filter.js';
import { FramedText } from './framed-text.js';
import { deltaFrame, wireSet } from './wire-frames.js';

const position: Position = { topicId: 't1', offsets: [12, 7] };

const set = setChange;
const del = deleteChange;

/**
 * The delta as it was built before subscriptions shared it: for the one subscription, from the
 * batch's changes, sent as its text (which ws frames as FramedText does).
 */
function builtAlone(
  changes: readonly TableChange<unknown>[],
  sub: string,
  filter: KeyFilter,
): Buffer | undefined {
  const matches = keyMatcher(filter)!;
  const setsByKey = new Map<string, string>();
  for (const c of changes) if (!c.deleted) setsByKey.set(c.key, wireSet(c.key, c.text, c.plain));
  const sets = [...setsByKey].filter(([key]) => matches(key)).map(([, s]) => s);
  const deletes = changes.filter((c) => c.deleted && matches(c.key)).map((c) => c.key);
  if (sets.length === 0 && deletes.length === 0) return undefined;
  return new FramedText(deltaFrame({ sub }, sets, deletes, position)).bytes;
}

/** What a filtered subscription asks the batch for, as the connection does. */
function frameFor(batch: BatchFrames, sub: string, filter: KeyFilter) {
  return batch.filtered(sub, canonicalFilter(filter), keyMatcher(filter)!);
}

const changes = [set('a', 1), set('b', { n: 2 }), set('x/1', 'one'), del('c'), del('x/2')];

describe('BatchFrames: filtered deltas', () => {
  it('shares one framed delta between subscriptions with the same canonical filter and sub id', () => {
    const batch = new BatchFrames('t', changes, position);
    const first = frameFor(batch, 's1', { keys: ['b', 'a', 'c'] });
    const sameFilter = frameFor(batch, 's1', { keys: ['c', 'a', 'b', 'a'] });
    expect(sameFilter).toBe(first);
    expect(first!.bytes).toEqual(builtAlone(changes, 's1', { keys: ['b', 'a', 'c'] }));
    expect(frameFor(batch, 'p', { prefix: 'x/' })).toBe(frameFor(batch, 'p', { prefix: 'x/' }));
  });

  it('gives every socket the bytes a build for its subscription alone gives', () => {
    const batch = new BatchFrames('t', changes, position);
    const asked: Array<[string, KeyFilter]> = [
      ['s1', { keys: ['a', 'b', 'c'] }],
      ['s1', { keys: ['c', 'b', 'a'] }],
      ['s2', { keys: ['a', 'b', 'c'] }],
      ['s1', { prefix: 'x/' }],
      ['s1', { keys: ['a'] }],
    ];
    for (const [sub, filter] of asked) {
      expect(frameFor(batch, sub, filter)!.bytes).toEqual(builtAlone(changes, sub, filter));
    }
    // Another sub id is other bytes: the id is in the frame.
    expect(frameFor(batch, 's2', { keys: ['a', 'b', 'c'] })).not.toBe(
      frameFor(batch, 's1', { keys: ['a', 'b', 'c'] }),
    );
  });

  it('picks the keys of a canonical filter once per batch, whatever the sub id', () => {
    const batch = new BatchFrames('t', changes, position);
    const matches = vi.fn((key: string) => key.startsWith('x/'));
    batch.filtered('s1', 'p:x/', matches);
    const calls = matches.mock.calls.length;
    expect(calls).toBe(changes.length);
    batch.filtered('s2', 'p:x/', matches);
    batch.filtered('s1', 'p:x/', matches);
    expect(matches).toHaveBeenCalledTimes(calls);
  });

  it('sends nothing for a filter that keeps no changed key', () => {
    const batch = new BatchFrames('t', changes, position);
    expect(frameFor(batch, 's1', { keys: ['zzz'] })).toBeUndefined();
    expect(frameFor(batch, 's2', { keys: ['zzz'] })).toBeUndefined();
    expect(frameFor(batch, 's1', { prefix: 'y/' })).toBeUndefined();
  });

  it('never puts a key outside the filter in a delta, and matches the build alone (property)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'x/1', 'x/2', 'y');
    const change = fc.oneof(
      fc.tuple(key, fc.integer()).map(([k, v]) => set(k, v)),
      key.map((k) => del(k)),
    );
    const filter: fc.Arbitrary<KeyFilter> = fc.oneof(
      fc.array(key, { minLength: 1, maxLength: 4 }).map((keys) => ({ keys })),
      fc.constantFrom('x/', 'a', 'y').map((prefix) => ({ prefix })),
    );
    const ask = fc.tuple(fc.constantFrom('s1', 's2', 'q'), filter);
    fc.assert(
      fc.property(
        fc.array(change, { maxLength: 12 }),
        fc.array(ask, { maxLength: 10 }),
        (cs, asks) => {
          const batch = new BatchFrames('t', cs, position);
          for (const [sub, f] of asks) {
            const frame = frameFor(batch, sub, f);
            expect(frame?.bytes).toEqual(builtAlone(cs, sub, f));
            if (frame === undefined) continue;
            const delta = JSON.parse(frame.text) as {
              sub: string;
              sets: [string][];
              deletes: string[];
            };
            expect(delta.sub).toBe(sub);
            const matches = keyMatcher(f)!;
            for (const k of [...delta.sets.map(([k]) => k), ...delta.deletes]) {
              expect(matches(k)).toBe(true);
            }
          }
        },
      ),
    );
  });
});
