import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from './codec-error.js';
import { superjsonCodec } from './superjson.js';

const codec = superjsonCodec<unknown>();
const text = new TextEncoder();
const roundTrip = (value: unknown) => codec.decode(codec.encode(value));

describe('superjson', () => {
  it('is named superjson', () => {
    expect(codec.name).toBe('superjson');
  });

  it('round-trips Date, Map, Set, BigInt and undefined', () => {
    const value = {
      at: new Date('2024-05-01T12:00:00.000Z'),
      byId: new Map<string, unknown>([['a', { n: 1n }]]),
      tags: new Set(['x', 'y']),
      big: 2n ** 70n,
      missing: undefined,
      nested: [new Date(0), undefined, -0],
    };
    const decoded = roundTrip(value) as typeof value;
    expect(decoded).toEqual(value);
    expect(decoded.at).toBeInstanceOf(Date);
    expect(decoded.byId).toBeInstanceOf(Map);
    expect(decoded.tags).toBeInstanceOf(Set);
    expect(typeof decoded.big).toBe('bigint');
    expect(Object.hasOwn(decoded, 'missing')).toBe(true);
    expect(Object.is(decoded.nested[2], -0)).toBe(true);
  });

  it('round-trips undefined at the top level', () => {
    expect(roundTrip(undefined)).toBeUndefined();
  });

  it('round-trips arbitrary Dates, BigInts, Maps and Sets', () => {
    // superjson rejects these keys; covered by its own test below.
    const key = fc.string().filter((k) => !['__proto__', 'prototype', 'constructor'].includes(k));
    const leaf = fc.oneof(
      fc.date({ noInvalidDate: true }),
      fc.bigInt(),
      fc.string(),
      fc.double({ noNaN: true }),
      fc.constant(undefined),
    );
    const value = fc.oneof(
      leaf,
      fc.array(leaf),
      fc.dictionary(key, leaf),
      fc.uniqueArray(leaf).map((items) => new Set(items)),
      fc.array(fc.tuple(key, leaf)).map((entries) => new Map(entries)),
    );
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toEqual(v);
      }),
    );
  });

  it('refuses values superjson cannot represent', () => {
    expect(() => codec.encode(() => 1)).toThrow(TypeError);
    expect(() => codec.encode(Symbol('s'))).toThrow(TypeError);
    expect(() => codec.encode({ prototype: 1 })).toThrow(TypeError);
    expect(() => codec.encode(JSON.parse('{"__proto__":1}'))).toThrow(TypeError);
  });

  it('keeps shared and cyclic references', () => {
    const shared = { n: 1 };
    const cycle: Record<string, unknown> = { a: shared, b: shared };
    cycle.self = cycle;
    const decoded = roundTrip(cycle) as typeof cycle;
    expect(decoded.self).toBe(decoded);
    expect(decoded.a).toBe(decoded.b);
  });

  it.each([
    ['empty input', ''],
    ['invalid JSON', '{"json":'],
    ['a bare number', '5'],
    ['null', 'null'],
    ['an object without json', '{}'],
    ['extra keys', '{"json":1,"other":2}'],
    ['a non-object meta', '{"json":1,"meta":5}'],
    ['an unknown transformation', '{"json":{"a":1},"meta":{"values":{"a":["weird"]}}}'],
    ['an impossible BigInt', '{"json":"zz","meta":{"values":["bigint"]}}'],
  ])('throws CodecError on %s', (_, input) => {
    expect(() => codec.decode(text.encode(input))).toThrow(CodecError);
  });

  it('throws CodecError on invalid UTF-8', () => {
    expect(() => codec.decode(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(
      'superjson codec: invalid UTF-8',
    );
  });
});
