import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyBloom } from './key-bloom.js';
import { keyHash } from './key-hash.js';

describe('keyBloom', () => {
  it('never says no for a key it was built from, whatever the keys', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 600 }), { maxLength: 300 }), (keys) => {
        const mayHold = keyBloom(keys.map(keyHash));
        for (const key of keys) expect(mayHold(keyHash(key))).toBe(true);
      }),
    );
  });

  it('says no for nearly every other key, at the size of a full chunk', () => {
    const held = Array.from({ length: 1 << 17 }, (_, i) => `key-${String(i).padStart(7, '0')}`);
    const mayHold = keyBloom(held.map(keyHash));
    let maybes = 0;
    for (let i = 0; i < 100_000; i++) {
      if (mayHold(keyHash(`key-${String(i + 1e6).padStart(7, '0')}`))) maybes++;
    }
    // 16 bits and 3 probes per key: about 0.5% by the textbook formula.
    expect(maybes).toBeLessThan(1_500);
  });

  it('hashes the whole key and its length', () => {
    const head = 'h'.repeat(100_000);
    expect(keyHash(`${head}a`)).not.toBe(keyHash(`${head}b`));
    expect(keyHash(`a${head}`)).not.toBe(keyHash(`b${head}`));
    expect(keyHash('')).not.toBe(keyHash('\u0000'));
    expect(keyHash(head)).toBe(keyHash('h'.repeat(100_000)));
  });
});
