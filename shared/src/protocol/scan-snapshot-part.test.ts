import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonValueEnd } from './json-text.js';
import type { SnapshotPartMessage } from './messages.js';
import { parseServerMessage } from './parse-server-message.js';
import { type ScannedPart, scanSnapshotPart } from './scan-snapshot-part.js';

/** The keys and values a scanned part stands for, values left as text parsed here. */
function read(part: ScannedPart): { sub: string; sets: [string, unknown][]; deletes: string[] } {
  const sets: [string, unknown][] = [];
  let place = 0;
  for (let i = 0; i < part.keys.length; i++) {
    let value = part.values[i];
    if (value === undefined) {
      value = JSON.parse(part.text.slice(part.places[place], part.places[place + 1]));
      place += 2;
    }
    sets.push([part.keys[i]!, value]);
  }
  return { sub: part.sub, sets, deletes: [...part.deletes] };
}

/** What the full parser makes of the same frame, in the same shape; throws where it does. */
function parsed(text: string): { sub: string; sets: [string, unknown][]; deletes: string[] } {
  const message = parseServerMessage(text) as SnapshotPartMessage;
  expect(message.type).toBe('snapshot-part');
  return {
    sub: message.sub,
    sets: message.sets.map(([key, wire]) => [key, wire[0]]),
    deletes: [...message.deletes],
  };
}

// Keys and values with escapes, lone surrogates, unicode and every kind of JSON.
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\n', '\u0001', '\ud800'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
  ),
});
const json = fc.jsonValue({ maxDepth: 3 });
const plainPart = fc.record({
  type: fc.constant('snapshot-part'),
  sub: fc.string({ minLength: 1, maxLength: 8 }),
  sets: fc.array(fc.tuple(text, fc.tuple(json)), { maxLength: 6 }),
  deletes: fc.array(text, { maxLength: 3 }),
});

/** The bridge's frames splice value text as producers wrote it: white space included. */
function spaced(value: unknown): string {
  return JSON.stringify(value, null, 1).replaceAll('\n', '\r\n\t');
}

describe('scanSnapshotPart', () => {
  it('reads every plain part the way parseServerMessage does, values left as text included', () => {
    fc.assert(
      fc.property(plainPart, (message) => {
        const frame = JSON.stringify(message);
        const part = scanSnapshotPart(frame);
        expect(part).toBeDefined();
        expect(read(part!)).toEqual(parsed(frame));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads values with white space in and around them, as the bridge splices them', () => {
    fc.assert(
      fc.property(plainPart, (message) => {
        const sets = message.sets.map(
          ([key, [value]]) => `[${JSON.stringify(key)},[ ${spaced(value)}\n]]`,
        );
        const frame = `{"type":"snapshot-part","sub":${JSON.stringify(message.sub)},"sets":[${sets.join(',')}],"deletes":${JSON.stringify(message.deletes)}}`;
        const part = scanSnapshotPart(frame);
        expect(part).toBeDefined();
        expect(read(part!)).toEqual(parsed(frame));
      }),
      { numRuns: 1000 },
    );
  });

  it('never accepts a mangled frame the parser refuses, nor reads one differently', () => {
    const edit = fc.tuple(
      fc.nat(),
      fc.nat({ max: 3 }),
      fc.constantFrom(...'{}[]",:\\ 0-.eE+tfnu1"x\u0000'),
    );
    fc.assert(
      fc.property(plainPart, fc.array(edit, { minLength: 1, maxLength: 3 }), (message, edits) => {
        let frame = JSON.stringify(message);
        for (const [where, cut, insert] of edits) {
          const at = where % (frame.length + 1);
          frame = frame.slice(0, at) + insert + frame.slice(at + cut);
        }
        const part = scanSnapshotPart(frame);
        if (part === undefined) return;
        // Whatever it accepts, the full parser accepts and reads the same way.
        expect(read(part)).toEqual(parsed(frame));
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves parts with superjson meta, other field orders and unknown fields to the parser', () => {
    for (const frame of [
      '{"type":"snapshot-part","sub":"s","sets":[["k",[1,{"values":["bigint"]}]]],"deletes":[]}',
      '{"type":"snapshot-part","sets":[],"sub":"s","deletes":[]}',
      '{"type":"snapshot-part","sub":"s","sets":[],"deletes":[],"extra":1}',
      '{"type":"snapshot-part","sub":"","sets":[],"deletes":[]}',
      `{"type":"snapshot-part","sub":"${'s'.repeat(257)}","sets":[],"deletes":[]}`,
      '{"type":"snapshot-part","sub":"s","sets":[],"deletes":[]} ',
      '{"type":"snapshot-part","sub":"s","sets":[["k",[]]],"deletes":[]}',
      '{"type":"snapshot-part","sub":"s","sets":[["k",[01]]],"deletes":[]}',
    ]) {
      expect(scanSnapshotPart(frame), frame).toBeUndefined();
    }
  });

  it('leaves objects and arrays as places in the frame, and parses scalars', () => {
    const frame =
      '{"type":"snapshot-part","sub":"s","sets":[["a",[{"x":1}]],["b",[ [2] ]],["c",["t\\u0041"]],["d",[-0]],["e",[null]]],"deletes":["f"]}';
    const part = scanSnapshotPart(frame)!;
    expect(part.keys).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(part.values).toEqual([undefined, undefined, 'tA', -0, null]);
    // [start, end) of each: the value's first and last characters.
    expect(part.places.map((at, i) => frame[i % 2 === 0 ? at : at - 1])).toEqual([
      '{',
      '}',
      '[',
      ']',
    ]);
    expect(part.deletes).toEqual(['f']);
  });
});

describe('jsonValueEnd', () => {
  it('finds the end of exactly the texts JSON.parse accepts', () => {
    const candidate = fc.oneof(
      json.map((value) => JSON.stringify(value)),
      json.map((value) => spaced(value)),
      fc.string({ unit: fc.constantFrom(...'{}[]",:\\ 0123-.eE+truefalsn\t') }),
    );
    fc.assert(
      fc.property(candidate, (candidate) => {
        let valid = true;
        try {
          JSON.parse(candidate);
        } catch {
          valid = false;
        }
        // What follows a value is the frame's business: a value is valid when it ends at the
        // end, white space aside.
        const end = jsonValueEnd(candidate, 0);
        const whole = end !== -1 && candidate.slice(end).trim() === '';
        expect(whole, candidate).toBe(valid);
      }),
      { numRuns: 5000 },
    );
  });

  it('takes strings and numbers of any length: no match that can run out of stack', () => {
    for (const text of [
      JSON.stringify('x'.repeat(10_000_000)),
      JSON.stringify('\n'.repeat(5_000_000)),
      `-0.${'1'.repeat(1_000_000)}e+${'2'.repeat(1_000_000)}`,
    ]) {
      expect(jsonValueEnd(text, 0)).toBe(text.length);
    }
  });

  it('takes any depth without recursion', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(jsonValueEnd(deep, 0)).toBe(deep.length);
    expect(jsonValueEnd(deep.slice(0, -1), 0)).toBe(-1);
  });
});
