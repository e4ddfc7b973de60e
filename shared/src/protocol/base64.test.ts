import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from './base64.js';
import { fromWireValue, toWireValue } from './wire-value.js';

describe('base64', () => {
  it('round-trips every length and byte, as Node encodes it', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length) & 0xff);
      const text = Buffer.from(bytes).toString('base64');
      expect(toBase64(bytes)).toBe(text);
      expect(fromBase64(text)).toEqual(bytes);
      expect(fromBase64(text.replace(/=+$/, ''))).toEqual(bytes);
    }
  });

  it('rejects characters outside the alphabet and impossible lengths', () => {
    expect(() => fromBase64('ab$d')).toThrow(TypeError);
    expect(() => fromBase64('abcde')).toThrow(TypeError);
  });
});

describe('bytes in wire values', () => {
  it('travel as base64 and come back as a plain Uint8Array, nested or not', () => {
    const bytes = Uint8Array.from([0, 1, 254, 255]);
    const wire = toWireValue({ id: 1, payload: bytes });
    expect(wire[0]).toEqual({ id: 1, payload: 'AAH+/w==' });
    const back = fromWireValue(JSON.parse(JSON.stringify(wire))) as { payload: Uint8Array };
    expect(back.payload).toBeInstanceOf(Uint8Array);
    expect([...back.payload]).toEqual([0, 1, 254, 255]);
    const top = fromWireValue(JSON.parse(JSON.stringify(toWireValue(bytes))));
    expect(top).toEqual(bytes);
  });

  it('keeps a value of 200 bytes near 4/3 of its size', () => {
    const text = JSON.stringify(toWireValue(new Uint8Array(200).fill(7)));
    expect(text.length).toBeLessThan(340);
  });
});
