import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from './codec-error.js';
import { utf8 } from './utf8.js';

const codec = utf8();

describe('utf8', () => {
  it('is named utf8', () => {
    expect(codec.name).toBe('utf8');
  });

  it('round-trips any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(codec.decode(codec.encode(s))).toBe(s);
      }),
    );
  });

  it('encodes to standard UTF-8 bytes', () => {
    expect([...codec.encode('é€😀')]).toEqual([
      0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80,
    ]);
  });

  it('decodes empty bytes to the empty string', () => {
    expect(codec.decode(new Uint8Array())).toBe('');
    expect(codec.encode('')).toEqual(new Uint8Array());
  });

  it('keeps a leading byte order mark as data', () => {
    expect(codec.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\uFEFFa');
  });

  it('decodes a view into a larger buffer', () => {
    const buffer = new Uint8Array([0x78, 0x68, 0x69, 0x78]);
    expect(codec.decode(buffer.subarray(1, 3))).toBe('hi');
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['0xff', [0x61, 0xff]],
  ])('throws CodecError on %s', (_, input) => {
    const decode = () => codec.decode(new Uint8Array(input));
    expect(decode).toThrow(CodecError);
    expect(decode).toThrow('utf8 codec: invalid UTF-8');
    try {
      decode();
    } catch (error) {
      expect((error as CodecError).codec).toBe('utf8');
      expect((error as CodecError).cause).toBeInstanceOf(TypeError);
    }
  });

  it('keeps decoding after a failure', () => {
    expect(() => codec.decode(new Uint8Array([0xe2, 0x82]))).toThrow(CodecError);
    expect(codec.decode(new Uint8Array([0x61]))).toBe('a');
  });

  it('refuses to encode lone surrogates instead of writing U+FFFD', () => {
    expect(() => codec.encode('a\uD800')).toThrow(TypeError);
    expect(() => codec.encode('\uDC00b')).toThrow(TypeError);
  });
});
