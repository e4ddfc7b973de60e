/**
 * Whether a key may be among those a Bloom filter was built from: false for most keys that are
 * not, never false for one that is. ChunkedMap keeps one per chunk that takes no new keys, so a
 * new key (every key of a first snapshot) is looked up in one chunk, not in every chunk: in
 * Chromium those lookups in cold hash tables were a fifth of the page's time while a
 * million-key table loaded (docs/BENCHMARKS.md).
 */
export type KeyBloom = (hash: number) => boolean;

/**
 * 16 bits and 3 probes per key (about 1 false "maybe" in 200), at most 2^21 bits (256 KiB).
 * Built from the keys' hashes (`keyHash`), which their table already holds.
 */
export function keyBloom(hashes: ArrayLike<number>): KeyBloom {
  const count = hashes.length;
  let size = 64;
  while (size < count * 16 && size < 1 << 21) size *= 2;
  const bits = new Int32Array(size >>> 5);
  const mask = size - 1;
  for (let i = 0; i < count; i++) probe(bits, mask, hashes[i]!, true);
  return (hash) => probe(bits, mask, hash, false);
}

/** Sets (`add`) or tests a key's 3 bits; the step is odd, so they differ until the mask wraps. */
function probe(bits: Int32Array, mask: number, hash: number, add: boolean): boolean {
  const step = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) | 1;
  for (let i = 0; i < 3; i++, hash = (hash + step) | 0) {
    const word = (hash & mask) >>> 5;
    const bit = 1 << (hash & 31);
    if (add) bits[word]! |= bit;
    else if ((bits[word]! & bit) === 0) return false;
  }
  return true;
}
