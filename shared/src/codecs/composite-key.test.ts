import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultCompositeKeyCodec as codec,
  codePointLength,
  lengthPrefixedKeyCodec,
} from './composite-key.js';

// Any graphemes: astral emoji, ZWJ sequences, combining marks (no lone surrogates: keys are UTF-8).
const text = fc.string({ unit: 'grapheme', maxLength: 12 });

describe('lengthPrefixedKeyCodec (ktables LengthPrefixedKeyCodec)', () => {
  it('writes the length in code points, as Python len() counts them', () => {
    expect(codec.encode('eu', 'svc-1')).toBe('2:eusvc-1');
    expect(codec.encode('', 'm')).toBe('0:m');
    // One astral code point is two UTF-16 units but one code point.
    expect(codec.encode('🚀', 'x')).toBe('1:🚀x');
    // A combining mark is a code point of its own.
    expect(codec.encode('e\u0301', 'x')).toBe('2:e\u0301x');
    expect(codec.encode('👩‍💻', '')).toBe('3:👩‍💻');
    expect(codePointLength('a🚀b')).toBe(3);
  });

  it('decodes its own keys back to the pair, whatever the content', () => {
    fc.assert(
      fc.property(text, text, (group, member) => {
        expect(codec.decode(codec.encode(group, member))).toEqual([group, member]);
      }),
    );
  });

  it('never maps two pairs to one key', () => {
    fc.assert(
      fc.property(text, text, text, text, (g1, m1, g2, m2) => {
        fc.pre(g1 !== g2 || m1 !== m2);
        expect(codec.encode(g1, m1)).not.toBe(codec.encode(g2, m2));
      }),
    );
  });

  it('selects exactly one group by prefix: "a" never matches "a1"', () => {
    expect(codec.groupPrefix('a')).toBe('1:a');
    expect(codec.encode('a1', 'x').startsWith(codec.groupPrefix('a'))).toBe(false);
    expect(codec.encode('a', '1x').startsWith(codec.groupPrefix('a'))).toBe(true);
    fc.assert(
      fc.property(text, fc.string({ maxLength: 20 }), (group, key) => {
        // Any key at all (foreign ones too) with the prefix decodes to that group.
        const candidate = codec.groupPrefix(group) + key;
        expect(codec.decode(candidate)?.[0]).toBe(group);
      }),
    );
    fc.assert(
      fc.property(text, text, text, (group, other, member) => {
        fc.pre(group !== other);
        expect(codec.encode(other, member).startsWith(codec.groupPrefix(group))).toBe(false);
      }),
    );
  });

  it('decodes foreign keys to undefined, as ktables does', () => {
    for (const key of [
      'plain-key',
      ':abc', // no length
      '01:ab', // non-canonical length
      '3:ab', // length past the end
      '2:🚀', // one code point where two were promised
      '-1:a',
      '+1:a',
      '1.0:a',
      '١:a', // a non-ASCII digit
      ' 1:a',
      '1 :a',
      '99999999999999999999:a',
      '',
    ]) {
      expect(codec.decode(key), key).toBeUndefined();
    }
    expect(codec.decode('0:')).toEqual(['', '']);
    expect(codec.decode('1::')).toEqual([':', '']);
  });

  it('takes another separator without digits', () => {
    const slash = lengthPrefixedKeyCodec({ separator: '/' });
    expect(slash.encode('a:b', 'c')).toBe('3/a:bc');
    expect(slash.decode('3/a:bc')).toEqual(['a:b', 'c']);
    expect(() => lengthPrefixedKeyCodec({ separator: '' })).toThrow(TypeError);
    expect(() => lengthPrefixedKeyCodec({ separator: '1' })).toThrow(TypeError);
  });
});
