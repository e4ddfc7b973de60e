/**
 * A page-wide random seed: which keys share a hash differs from page to page, so keys chosen
 * to collide (a producer's, say) cannot be made ahead of time to slow every browser's table.
 */
const SEED = (Math.random() * 2 ** 32) | 0;

/**
 * FNV-1a from a random seed over the whole key, then its length. The hash of the client's own
 * key tables (`KeyTable`) and of their Bloom filters (`keyBloom`), computed once per lookup.
 */
export function keyHash(key: string): number {
  let hash = SEED;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return Math.imul(hash ^ key.length, 0x01000193);
}
