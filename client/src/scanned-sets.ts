import type { ScannedPart } from '../../shared/src/protocol/scan-snapshot-part.js';
import type { ChunkedMap } from './chunked-map.js';
import type { DecodedSet } from './decoded-set.js';

/** A scanned part's sets with every value parsed, for maps that keep no text. */
export function scannedSets<V>(part: ScannedPart): DecodedSet<V>[] {
  const { keys, values, places, text } = part;
  const sets: DecodedSet<V>[] = [];
  let place = 0;
  for (let i = 0; i < keys.length; i++) {
    let value = values[i];
    if (value === undefined) {
      value = JSON.parse(text.slice(places[place], places[place + 1]));
      place += 2;
    }
    sets.push([keys[i]!, value as V]);
  }
  return sets;
}

/**
 * Puts a scanned part's sets into `map` (made `withRows()`), its values left as text becoming
 * rows, and applies its deletes. Returns whether some key it set may differ from `visible`
 * (always true without one): an object nobody has read cannot be the one `visible` holds.
 */
export function putScannedRows<V>(
  map: ChunkedMap<V>,
  part: ScannedPart,
  visible?: { holds(key: string, value: V): boolean },
): boolean {
  const rows = map.rows;
  if (rows === undefined) throw new TypeError('putScannedRows: a map made without rows');
  const { keys, values, places } = part;
  const frame = places.length > 0 ? rows.addFrame(part.text) : -1;
  let differs = visible === undefined;
  let place = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = values[i];
    if (value === undefined) {
      map.setRow(key, rows.add(frame, places[place]!, places[place + 1]!));
      place += 2;
      differs = true;
    } else {
      map.set(key, value as V);
      if (!differs && !visible!.holds(key, value as V)) differs = true;
    }
  }
  for (const key of part.deletes) map.delete(key);
  return differs;
}
