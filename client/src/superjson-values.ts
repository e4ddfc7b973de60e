// The `tablecast/superjson` entry point: wire values with superjson, for tables whose values plain
// JSON cannot carry. A separate entry so JSON-only apps do not ship superjson.
import { fromWireValue, toWireValue } from '../../shared/src/protocol/wire-value.js';
import type { WireValues } from './wire-values.js';

/**
 * `createClient({ url, wireValues: superjsonValues })`: Date, Map, Set, BigInt, undefined, NaN
 * and -0 survive, and classes registered on the global `SuperJSON` instance apply, as on the
 * bridge. Plain JSON values are not passed through superjson at all.
 */
export const superjsonValues: WireValues = {
  fromWire: fromWireValue,
  toWire: toWireValue,
  // Plain values skip superjson: fromWireValue([json]) is json.
  plainAsIs: true,
};

export type { WireValues } from './wire-values.js';
