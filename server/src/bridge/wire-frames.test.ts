import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeMessage,
  fromWireValue,
  parseServerMessage,
  toWireValue,
  type WireSet,
} from '../../../shared/src/protocol/index.js';
import type { WireEntry } from '../table-types.js';
import {
  bootstrapBody,
  deltaFrame,
  plainJson,
  snapshotPartFrame,
  wireSetOf,
} from './wire-frames.js';

/** A value as a table stores it: its wire value, as text, plain when it has no meta. */
const stored = (key: string, value: unknown): WireEntry => {
  const wire = toWireValue(value);
  return wire.length === 1
    ? [key, JSON.stringify(wire[0]), true]
    : [key, JSON.stringify(wire), false];
};
const position = { topicId: 't', offsets: [3, 0, 7] };
const entries = fc.uniqueArray(
  fc.tuple(fc.string(), fc.oneof(fc.jsonValue(), fc.date({ noInvalidDate: true }))),
  { selector: ([key]) => key, maxLength: 8 },
);

describe('wire frames', () => {
  it('build the same messages encodeMessage would, which clients parse', () => {
    fc.assert(
      fc.property(entries, fc.array(fc.string(), { maxLength: 4 }), (pairs, deletes) => {
        const wire = pairs.map(([key, value]) => stored(key, value));
        const sets: WireSet[] = pairs.map(([key, value]) => [key, toWireValue(value)]);
        const spliced = wire.map(wireSetOf);
        const cases: Array<[string, string]> = [
          [
            deltaFrame({ table: 'flags' }, spliced, deletes, position),
            encodeMessage({ type: 'delta', table: 'flags', sets, deletes, position }),
          ],
          [
            deltaFrame({ sub: 's1' }, spliced, deletes, position),
            encodeMessage({ type: 'delta', sub: 's1', sets, deletes, position }),
          ],
          [
            snapshotPartFrame(
              's1',
              wire.map(([key, text, plain]) => [key, { text, plain }] as const),
              deletes,
            ),
            encodeMessage({ type: 'snapshot-part', sub: 's1', sets, deletes }),
          ],
        ];
        for (const [frame, expected] of cases) {
          expect(frame).toBe(expected);
          expect(parseServerMessage(frame)).toEqual(JSON.parse(expected));
        }
        const body = JSON.parse(bootstrapBody('flags', 'caught_up', position, wire));
        expect(body).toEqual({
          table: 'flags',
          status: 'caught_up',
          position,
          sets: JSON.parse(JSON.stringify(sets)),
        });
        for (const [key, value] of pairs) {
          const [, text, plain] = stored(key, value);
          expect(JSON.parse(plainJson(text, plain))).toEqual(JSON.parse(JSON.stringify(value)));
        }
      }),
      { numRuns: 200, seed: 20261205 },
    );
  });

  it('carry a stored text as it is, whitespace and nesting included', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const frame = deltaFrame(
      { table: 't' },
      [wireSetOf(['k', ` { "a" : 1 } `, true]), wireSetOf(['d', deep, true])],
      [],
      position,
    );
    expect(frame).toContain('["k",[ { "a" : 1 } ]]');
    const message = parseServerMessage(frame);
    if (message.type !== 'delta') throw new Error('not a delta');
    expect(fromWireValue(message.sets[0]![1])).toEqual({ a: 1 });
  });
});
