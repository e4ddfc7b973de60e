import type { KeyFilter, Position, WireSet } from '../../shared/src/protocol/messages.js';
import {
  expectName,
  expectObject,
  expectPosition,
  expectSets,
  invalid,
} from '../../shared/src/protocol/validate.js';
import type { DecodedSet } from './decoded-set.js';
import { asTypeError } from './errors.js';
import { decodeSets, type WireValues } from './wire-values.js';

/**
 * The format of saved entries. Bumped whenever the shape changes, so entries written by another
 * version of the client are dropped instead of misread.
 */
export const CACHE_FORMAT_VERSION = 1;

/** One saved table: its map as wire sets at `position`, under the handle's name and filter. */
export interface CacheEntry {
  readonly v: typeof CACHE_FORMAT_VERSION;
  /** The cache key, repeated so that an entry copied under another key is not trusted. */
  readonly key: string;
  readonly table: string;
  readonly position: Position;
  readonly sets: readonly WireSet[];
  readonly savedAt: number;
}

/** The cache key of a handle: its name and normalised filter, as the client shares handles. */
export function cacheKey(table: string, filter: KeyFilter | undefined): string {
  return JSON.stringify([table, filter ?? null]);
}

/**
 * Validates and decodes a loaded entry. Throws a TypeError saying why it cannot be trusted; the
 * caller discards it. `undefined` is a miss.
 */
export function readCacheEntry(
  value: unknown,
  key: string,
  values: WireValues,
): { position: Position; sets: DecodedSet<unknown>[] } | undefined {
  if (value === undefined || value === null) return undefined;
  return asTypeError('cache entry', () => {
    const entry = expectObject(value, 'entry');
    if (entry.v !== CACHE_FORMAT_VERSION) {
      invalid('entry.v', `format version ${CACHE_FORMAT_VERSION}`, entry.v);
    }
    if (entry.key !== key) invalid('entry.key', JSON.stringify(key), entry.key);
    expectName(entry.table, 'entry.table');
    const position = expectPosition(entry.position, 'entry.position');
    // Saved per name and filter, so no filtering here: the key already pins the filter.
    const sets = decodeSets(expectSets(entry.sets, 'entry.sets'), undefined, values);
    return { position, sets };
  });
}
