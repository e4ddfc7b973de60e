import type { KeyFilter } from './messages.js';

/**
 * The predicate of a filter, or undefined for no filter (every key). The bridge uses it to pick
 * a filtered subscription's keys, the client to narrow a whole-table bootstrap to a filter.
 */
export function keyMatcher(filter: KeyFilter | undefined): ((key: string) => boolean) | undefined {
  if (filter === undefined) return undefined;
  if ('prefix' in filter) {
    const { prefix } = filter;
    return (key) => key.startsWith(prefix);
  }
  const keys = new Set(filter.keys);
  return (key) => keys.has(key);
}
