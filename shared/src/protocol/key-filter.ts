import type { KeyFilter } from './messages.js';

/** The keys a filter holds, as a predicate; undefined for no filter (every key). */
export function keyMatcher(filter: KeyFilter | undefined): ((key: string) => boolean) | undefined {
  if (filter === undefined) return undefined;
  if ('keys' in filter) {
    const keys = new Set(filter.keys);
    return (key) => keys.has(key);
  }
  const { prefix } = filter;
  return (key) => key.startsWith(prefix);
}
