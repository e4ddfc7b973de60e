import type { ScannedPart } from '../../shared/src/protocol/scan-snapshot-part.js';
import { ChunkedMap } from './chunked-map.js';
import type { DecodedSet } from './decoded-set.js';
import { putScannedRows, scannedSets } from './scanned-sets.js';
import type { SnapshotMap } from './snapshot-map.js';

/**
 * The parts of a snapshot being received, kept apart from the visible map until its end (I1).
 * Always replaced, never emptied: a reset hands its sets over as the new map, so reusing them
 * would make the next snapshot's parts land in the visible map before its end.
 */
export class SnapshotBuffer<V> {
  mode: 'reset' | 'resume' = 'reset';
  /**
   * Chunked, so a million-key snapshot never rehashes more than a chunk at once. A reset's keeps
   * values of scanned parts as text (it becomes the visible map as it is); a resume's values
   * are applied one by one to the visible map, so they are parsed.
   */
  sets = ChunkedMap.withRows<V>();
  /** A resume's deletes; a reset's deletes only take back what it sent. */
  deletes = new Set<string>();
  /**
   * A reset brought a key that the visible map lacks or holds another value for: worked out
   * part by part, so that applying the reset at its end is a swap of maps, not a pass.
   */
  differs = false;

  /** Starts over, for a snapshot in `mode`; `differs` is preset when the map is not comparable. */
  clear(mode: 'reset' | 'resume' = this.mode, differs = false): void {
    this.mode = mode;
    this.sets = mode === 'reset' ? ChunkedMap.withRows() : new ChunkedMap();
    this.deletes = new Set();
    this.differs = differs;
  }

  /** One part; `visible` is only read, to learn whether a reset will change anything. */
  add(sets: readonly DecodedSet<V>[], deletes: readonly string[], visible: SnapshotMap<V>): void {
    const buffer = this.sets;
    if (this.mode === 'reset') {
      let differs = this.differs;
      for (const [key, value] of sets) {
        buffer.set(key, value);
        if (!differs && !visible.holds(key, value)) differs = true;
      }
      for (const key of deletes) buffer.delete(key);
      this.differs = differs;
      return;
    }
    for (const [key, value] of sets) {
      buffer.set(key, value);
      this.deletes.delete(key);
    }
    for (const key of deletes) {
      buffer.delete(key);
      this.deletes.add(key);
    }
  }

  /** A part read by `scanSnapshotPart`: a reset keeps its object and array values as text. */
  addScanned(part: ScannedPart, visible: SnapshotMap<V>): void {
    if (this.mode === 'reset' && this.sets.rows !== undefined) {
      const differs = putScannedRows(this.sets, part, this.differs ? undefined : visible);
      this.differs ||= differs;
    } else {
      this.add(scannedSets(part), part.deletes, visible);
    }
  }
}
