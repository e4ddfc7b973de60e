import type { ScannedPart } from '../../shared/src/protocol/scan-snapshot-part.js';
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
