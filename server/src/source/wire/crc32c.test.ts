import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32cBitwise } from '../../../../test/record-batches.js';
import { crc32c, crc32cNative, crc32cPure } from './crc32c.js';

describe('crc32c', () => {
  it('uses the native CRC here: its prebuilt binary is in the lock file for this platform', () => {
    expect(crc32cNative).toBeDefined();
    expect(crc32c).toBe(crc32cNative);
  });

  it('gives the standard check value, 0xE3069283 for "123456789", in both implementations', () => {
    const vector = Buffer.from('123456789');
    expect(crc32cPure(vector)).toBe(0xe3069283);
    expect(crc32cNative!(vector)).toBe(0xe3069283);
  });

  it('agrees with a bit-by-bit CRC on buffers of every length up to 64 and some larger, and on views', () => {
    const sizes = [...Array.from({ length: 65 }, (_, n) => n), 1_000, 16_411, 100_003];
    for (const size of sizes) {
      const backing = randomBytes(size + 7);
      const bytes = backing.subarray(3, 3 + size);
      const expected = crc32cBitwise(bytes);
      expect([crc32cPure(bytes), crc32cNative!(bytes)]).toEqual([expected, expected]);
    }
  });
});
