import { type BatchChanges, listedChanges, swapChanges } from './batch-changes.js';
import { ChunkedMap } from './chunked-map.js';
import type { DecodedSet } from './decoded-set.js';
import type { KeyChange } from './key-change.js';

/**
 * A table's map, copy-on-write: `snapshot()` hands out the live map and marks it shared; the
 * next batch clones it before mutating. The map is a ChunkedMap, so the clone shares its chunks
 * and a batch copies only the chunks it writes to (at most 2^17 entries each), and only when
 * someone read the map since the previous batch; a reset snapshot builds a new map anyway.
 * Every batch returns its changes, compacted to one per key (a reset's only when asked for).
 */
export class SnapshotMap<V> {
  #map = new ChunkedMap<V>();
  /** The current map was handed out by `snapshot()`: clone before mutating. */
  #shared = false;

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** The map as of the last batch; never mutated after it is handed out. */
  snapshot(): ReadonlyMap<string, V> {
    this.#shared = true;
    return this.#map;
  }

  /** The entries as an array, without marking the map shared (so no copy on the next batch). */
  toEntries(): [string, V][] {
    return [...this.#map];
  }

  /**
   * Replaces the map with a reset snapshot's; the old one stayed visible until now (I1). O(1):
   * the changes are worked out only when a listener asks (see BatchChanges). `differs`, when
   * known, says whether some key of `next` is new or holds another value than here.
   */
  replace(next: ChunkedMap<V>, differs?: boolean): BatchChanges<V> {
    const changes = swapChanges(this.#map, next, differs);
    // The buffer becomes the map: nothing else holds it, so no copy is needed.
    this.#map = next;
    this.#shared = false;
    return changes;
  }

  /** Whether `key` holds exactly `value` (a snapshot part compares what it brings). */
  holds(key: string, value: V): boolean {
    return this.#map.holds(key, value);
  }

  apply(sets: Iterable<DecodedSet<V>>, deletes: Iterable<string>): BatchChanges<V> {
    const changes: KeyChange<V>[] = [];
    // Not a Set: Chromium interns a string looked up in one, and a key that enters the table
    // here stays in the map (see SnapshotBuffer.deletes).
    const touched = new ChunkedMap<true>();
    for (const [key, value] of sets) {
      if (this.#map.holds(key, value)) continue;
      this.#writable().set(key, value);
      touched.set(key, true);
    }
    for (const key of deletes) {
      if (!this.#map.has(key)) continue;
      this.#writable().delete(key);
      touched.set(key, true);
    }
    // Compacted: one change per key, reflecting where the batch left it.
    for (const key of touched.keys()) {
      if (this.#map.has(key)) changes.push({ key, deleted: false, value: this.#map.get(key) as V });
      else changes.push({ key, deleted: true });
    }
    return listedChanges(changes);
  }

  #writable(): ChunkedMap<V> {
    if (this.#shared) {
      this.#map = this.#map.clone();
      this.#shared = false;
    }
    return this.#map;
  }
}
