import type { KeyFilter } from '../../../shared/src/protocol/index.js';

/**
 * A filter in canonical form: two subscriptions of a table with the same one read the same keys
 * (a key list's order and duplicates do not matter; a prefix is itself).
 */
export function canonicalFilter(filter: KeyFilter | undefined): string {
  if (filter === undefined) return '*';
  if ('prefix' in filter) return `p:${filter.prefix}`;
  return `k:${JSON.stringify([...new Set(filter.keys)].sort())}`;
}
