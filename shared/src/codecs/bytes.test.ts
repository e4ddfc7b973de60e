import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes } from './bytes.js';

const codec = bytes();

// Stands in for Node's Buffer, whose slice() shares memory, without importing Node built-ins.
class ViewSlicingArray extends Uint8Array {
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return this.subarray(start, end);
  }
}

describe('bytes', () => {
  it('is named bytes', () => {
    expect(codec.name).toBe('bytes');
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (input) => {
        expect(codec.decode(codec.encode(input))).toEqual(input);
      }),
    );
  });

  it('handles empty input', () => {
    expect(codec.decode(new Uint8Array())).toEqual(new Uint8Array());
  });

  it('decodes to a copy, so a reused client buffer cannot change a stored value', () => {
    const input = new ViewSlicingArray([1, 2, 3]);
    const decoded = codec.decode(input);
    input[0] = 9;
    expect([...decoded]).toEqual([1, 2, 3]);
    expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype);
  });

  it('encodes to a copy', () => {
    const input = new Uint8Array([1, 2, 3]);
    const encoded = codec.encode(input);
    input[0] = 9;
    expect([...encoded]).toEqual([1, 2, 3]);
  });

  it('copies only the viewed range', () => {
    const buffer = new Uint8Array([0, 1, 2, 3]);
    const decoded = codec.decode(buffer.subarray(1, 3));
    expect([...decoded]).toEqual([1, 2]);
    expect(decoded.buffer.byteLength).toBe(2);
  });
});
