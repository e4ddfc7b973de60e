import type { KeyFilter } from '../../shared/src/protocol/messages.js';
import type { TableOptions } from './table-handle.js';

/** The normalised filter of `table()`'s options; throws TypeError on a malformed one. */
export function toFilter(options: TableOptions<unknown>): KeyFilter | undefined {
  const { keys, prefix } = options;
  if (keys !== undefined && prefix !== undefined) {
    throw new TypeError('table(): pass either `keys` or `prefix`, not both');
  }
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) {
      throw new TypeError('table(): `keys` must be an array of strings');
    }
    // Sorted and unique, so the same set of keys shares one handle and one subscription.
    return { keys: [...new Set(keys)].sort() };
  }
  if (prefix !== undefined) {
    if (typeof prefix !== 'string') throw new TypeError('table(): `prefix` must be a string');
    return { prefix };
  }
  return undefined;
}
