import { keyMatcher } from '../../shared/src/protocol/key-filter.js';
import type { KeyFilter, WireSet, WireValue } from '../../shared/src/protocol/messages.js';
import type { DecodedSet } from './decoded-set.js';
import { TablecastClientError } from './errors.js';

/**
 * How the client turns wire values into values and back (the back way only for its cache).
 * The default, `jsonValues`, knows plain JSON only, so a JSON-only app does not ship superjson;
 * `superjsonValues` from `tablecast/superjson` revives Date, Map, Set, BigInt and friends.
 */
export interface WireValues {
  /** The value a wire value stands for; throws when it cannot decode it. */
  fromWire(wire: WireValue): unknown;
  /** A value this client decoded, as a wire value again (to save it in the cache). */
  toWire(value: unknown): WireValue;
  /**
   * True when `fromWire([json])` is `json` itself, as for both built-in codecs. The client may
   * then keep a snapshot's plain object and array values as text and parse each when it is
   * first read (a million-key snapshot then makes no value objects while it loads). Leave it
   * out when `fromWire` changes plain values (reviving dates from strings, say).
   */
  readonly plainAsIs?: boolean;
}

/**
 * Plain JSON only: `[json]` is the value itself. A value with superjson meta (`[json, meta]`)
 * throws `UNSUPPORTED_VALUE` instead of showing the bare JSON, which would be a wrong value (a
 * Date as a string, a Map as an object) that looks right.
 */
export const jsonValues: WireValues = {
  fromWire(wire) {
    if (wire.length === 1) return wire[0];
    throw new TablecastClientError(
      'UNSUPPORTED_VALUE',
      'A value needs superjson (Date, Map, Set, BigInt, undefined...): pass `wireValues: superjsonValues` from "tablecast/superjson" to createClient',
    );
  },
  // Every value in a JSON-only client came out of `fromWire` above, so it is plain JSON.
  toWire: (value) => [value],
  plainAsIs: true,
};

/** Decodes wire sets, keeping only the keys a filter admits. Throws on an undecodable value. */
export function decodeSets(
  sets: readonly WireSet[],
  filter: KeyFilter | undefined,
  values: WireValues,
): DecodedSet<unknown>[] {
  // A whole-table snapshot restricted to a filter is the filtered table at the same position,
  // so a filtered handle may resume from an unfiltered bootstrap (never the other way round).
  const keep = keyMatcher(filter);
  const decoded: DecodedSet<unknown>[] = [];
  for (const [key, wire] of sets) {
    if (keep === undefined || keep(key)) decoded.push([key, values.fromWire(wire)]);
  }
  return decoded;
}
