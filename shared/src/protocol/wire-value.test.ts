import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './encode-message.js';
import type { DeltaMessage, WireValue } from './messages.js';
import { parseServerMessage } from './parse-server-message.js';
import { ProtocolError } from './protocol-error.js';
import { fromWireValue, toWireValue } from './wire-value.js';

// Through a real frame: the wire value must survive JSON, not just superjson.
function overTheWire(value: unknown): unknown {
  const delta: DeltaMessage = {
    type: 'delta',
    table: 't',
    sets: [['k', toWireValue(value)]],
    deletes: [],
    position: { topicId: 'id', offsets: [1] },
  };
  const parsed = parseServerMessage(encodeMessage(delta)) as DeltaMessage;
  return fromWireValue(parsed.sets[0]![1]);
}

// superjson refuses these keys; toWireValue turns that into a TypeError (tested below).
const key = fc.string().filter((k) => !['__proto__', 'prototype', 'constructor'].includes(k));

const richValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.string(),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value')),
    fc.dictionary(key, tie('value')),
    fc.uniqueArray(fc.oneof(fc.string(), fc.integer())).map((items) => new Set(items)),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.string(), fc.integer()), tie('value')), {
        selector: ([k]) => k,
      })
      .map((entries) => new Map(entries)),
  ),
})).value;

describe('toWireValue / fromWireValue', () => {
  it('round-trips Date, Map, Set, BigInt, undefined and nesting of them', () => {
    fc.assert(
      fc.property(richValue, (value) => {
        expect(overTheWire(value)).toEqual(value);
      }),
    );
  });

  it('keeps the types, not just equal-looking values', () => {
    const value = {
      at: new Date(0),
      big: 2n ** 70n,
      missing: undefined,
      nested: [new Map([[1, new Set(['a'])]]), -0],
    };
    const back = overTheWire(value) as typeof value;
    expect(back.at).toBeInstanceOf(Date);
    expect(typeof back.big).toBe('bigint');
    expect(Object.hasOwn(back, 'missing')).toBe(true);
    expect(back.nested[0]).toBeInstanceOf(Map);
    expect(Object.is(back.nested[1], -0)).toBe(true);
    expect(overTheWire(undefined)).toBeUndefined();
  });

  it('sends plain JSON values as a 1-element array holding the value itself', () => {
    fc.assert(
      // Parsed JSON text, as a JSON codec produces: fc.jsonValue() has -0, which needs a meta.
      fc.property(
        fc.json().map((text): unknown => JSON.parse(text)),
        (value) => {
          const wire = toWireValue(value);
          expect(wire).toHaveLength(1);
          expect(wire[0]).toEqual(value);
          expect(fromWireValue(wire)).toEqual(value);
        },
      ),
    );
  });

  it('sends JSON with keys superjson refuses, such as constructor', () => {
    const value = JSON.parse('{"constructor":"Ferrari","prototype":true,"__proto__":{"a":1}}');
    expect(toWireValue(value)).toEqual([value]);
    const back = overTheWire(value) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['constructor', 'prototype', '__proto__']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('sends values JSON would change through superjson: -0, NaN, Infinity, undefined', () => {
    for (const value of [-0, Number.NaN, Number.POSITIVE_INFINITY, [undefined], { a: undefined }]) {
      expect(toWireValue(value)).toHaveLength(2);
    }
    expect(Object.is(overTheWire(-0), -0)).toBe(true);
    expect(overTheWire([Number.NaN, Number.NEGATIVE_INFINITY])).toEqual([
      Number.NaN,
      Number.NEGATIVE_INFINITY,
    ]);
  });

  it('falls back to superjson for values nested too deep to walk, cycles included', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(toWireValue(deep)).toHaveLength(1);
    expect(overTheWire(deep)).toEqual(deep);
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic.self = cyclic;
    const back = overTheWire(cyclic) as Record<string, unknown>;
    expect(back.self).toBe(back);
  });

  it('adds meta only when JSON cannot carry the value', () => {
    expect(toWireValue({ a: [1, 'x', null] })).toEqual([{ a: [1, 'x', null] }]);
    const wire = toWireValue(new Date(0));
    expect(wire).toHaveLength(2);
    expect(wire[0]).toBe('1970-01-01T00:00:00.000Z');
  });

  it('refuses values it cannot send unchanged', () => {
    expect(() => toWireValue(() => 1)).toThrow(TypeError);
    expect(() => toWireValue(Symbol('s'))).toThrow(TypeError);
    // superjson refuses these keys; without meta they are fine (below).
    expect(() => toWireValue({ constructor: new Date(0) })).toThrow(TypeError);
  });

  it('throws a BAD_MESSAGE ProtocolError for meta superjson cannot apply', () => {
    const wire: WireValue = [{ a: 1 }, { values: { a: ['no-such-transform'] } }];
    expect(() => fromWireValue(wire)).toThrow(ProtocolError);
    try {
      fromWireValue(wire);
    } catch (error) {
      expect((error as ProtocolError).code).toBe('BAD_MESSAGE');
    }
  });
});
