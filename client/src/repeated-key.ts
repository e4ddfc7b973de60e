import type { WireSet } from '../../shared/src/protocol/messages.js';

/**
 * A key that a delta names twice across its sets and deletes, or undefined: the bridge compacts
 * each delta to one entry per key (I11), so a second one means its sequence cannot be trusted.
 */
export function repeatedKey(
  sets: readonly WireSet[],
  deletes: readonly string[],
): string | undefined {
  // Most deltas carry one key: nothing to compare.
  if (sets.length + deletes.length < 2) return undefined;
  const seen = new Set<string>();
  for (const [key] of sets) {
    if (seen.has(key)) return key;
    seen.add(key);
  }
  for (const key of deletes) {
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}
