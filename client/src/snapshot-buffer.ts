import type { ScannedPart } from '../../shared/src/protocol/scan-snapshot-part.js';
import { ChunkedMap } from './chunked-map.js';
import type { DecodedSet } from './decoded-set.js';
import { scannedSets } from './scanned-sets.js';

/** What a reset compares its values with: the visible map (only read). */
interface Visible<V> {
  holds(key: string, value: V): boolean;
}

/**
 * The parts of a snapshot being received, kept apart from the visible map until its end (I1).
 * Always replaced, never emptied: a reset hands its sets over as the new map, so reusing them
 * would make the next snapshot's parts land in the visible map before its end.
 *
 * A snapshot names each key once across its parts, sets and deletes together (I11): `add`
 * returns the first key named again, and the snapshot is then void (the caller resubscribes).
 */
export class SnapshotBuffer<V> {
  mode: 'reset' | 'resume' = 'reset';
  /**
   * Chunked, so a million-key snapshot never rehashes more than a chunk at once. A reset's keeps
   * values of scanned parts as text (it becomes the visible map as it is); a resume's values
   * are applied one by one to the visible map, so they are parsed.
   */
  sets = ChunkedMap.withRows<V>();
  /**
   * The keys deleted. A resume applies them; a reset's can only name keys it did not send (it
   * names each key once), so they change nothing and are kept to check that. Not a Set: every
   * key a snapshot sets is looked up here, and Chromium internalizes a string looked up in a
   * Set or Map; a million internalized keys make each of V8's full collections update a
   * string table of a million entries inside its pause (docs/BENCHMARKS.md).
   */
  deletes = new ChunkedMap<true>();
  /**
   * A reset brought a key that the visible map lacks or holds another value for: worked out
   * part by part, so that applying the reset at its end is a swap of maps, not a pass.
   */
  differs = false;

  /** Starts over, for a snapshot in `mode`; `differs` is preset when the map is not comparable. */
  clear(mode: 'reset' | 'resume' = this.mode, differs = false): void {
    this.mode = mode;
    this.sets = mode === 'reset' ? ChunkedMap.withRows() : new ChunkedMap();
    this.deletes = new ChunkedMap();
    this.differs = differs;
  }

  /**
   * One part. `visible` is only read, to learn whether a reset will change anything (without
   * it, a reset counts as a change). Returns a key the snapshot named before, or undefined.
   */
  add(
    sets: readonly DecodedSet<V>[],
    deletes: readonly string[],
    visible?: Visible<V>,
  ): string | undefined {
    const compare = this.mode === 'reset' ? visible : undefined;
    let differs = this.differs || (this.mode === 'reset' && visible === undefined);
    for (const [key, value] of sets) {
      const size = this.sets.size;
      this.sets.set(key, value);
      if (!this.#once(key, size)) return key;
      if (!differs && compare !== undefined && !compare.holds(key, value)) differs = true;
    }
    this.differs = differs;
    return this.#deleteOnce(deletes);
  }

  /** A part read by `scanSnapshotPart`: a reset keeps its object and array values as text. */
  addScanned(part: ScannedPart, visible?: Visible<V>): string | undefined {
    const buffer = this.sets;
    const rows = this.mode === 'reset' ? buffer.rows : undefined;
    if (rows === undefined) return this.add(scannedSets(part), part.deletes, visible);
    const { keys, values, places } = part;
    const frame = places.length > 0 ? rows.addFrame(part.text) : -1;
    let differs = this.differs || visible === undefined;
    let place = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const value = values[i];
      const size = buffer.size;
      if (value === undefined) {
        buffer.setRow(key, rows.add(frame, places[place]!, places[place + 1]!));
        place += 2;
        // An object nobody has read cannot be the one the visible map holds.
        differs = true;
      } else {
        buffer.set(key, value as V);
        if (!differs && !visible!.holds(key, value as V)) differs = true;
      }
      if (!this.#once(key, size)) return key;
    }
    this.differs = differs;
    return this.#deleteOnce(part.deletes);
  }

  /** Whether `key`, just set, is named for the first time: new to the sets, not deleted. */
  #once(key: string, sizeBefore: number): boolean {
    return this.sets.size !== sizeBefore && !this.deletes.has(key);
  }

  /** Records the deletes; returns a key this snapshot named before, or undefined. */
  #deleteOnce(deletes: readonly string[]): string | undefined {
    for (const key of deletes) {
      if (this.sets.has(key) || this.deletes.has(key)) return key;
      this.deletes.set(key, true);
    }
    return undefined;
  }
}
