import type { WireSet } from '../../shared/src/protocol/messages.js';
import { ChunkedMap } from './chunked-map.js';

// Checks of the keys a bridge message names, against the protocol's promises about them.

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
  // Not a Set: Chromium interns a string looked up in one (see SnapshotBuffer.deletes).
  const seen = new ChunkedMap<true>();
  for (const [key] of sets) {
    if (seen.has(key)) return key;
    seen.set(key, true);
  }
  for (const key of deletes) {
    if (seen.has(key)) return key;
    seen.set(key, true);
  }
  return undefined;
}

/**
 * The first key of a message (its sets, as keys or pairs, then its deletes) that `admits`
 * refuses, or undefined; undefined too without a filter.
 */
export function strayKey(
  admits: ((key: string) => boolean) | undefined,
  sets: readonly (string | WireSet)[],
  deletes: readonly string[],
): string | undefined {
  if (admits === undefined) return undefined;
  for (const set of sets) {
    const key = typeof set === 'string' ? set : set[0];
    if (!admits(key)) return key;
  }
  return deletes.find((key) => !admits(key));
}
