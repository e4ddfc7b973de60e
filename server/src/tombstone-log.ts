/**
 * The keys a table has deleted, with where each delete happened, so the bridge can tell a
 * resuming client which of its keys are gone. Bounded: past `capacity` the oldest deletes are
 * forgotten, and the partition's horizon moves past them — a resume from before the horizon can
 * no longer be proven complete and becomes a reset.
 */
export class TombstoneLog {
  /** Insertion order is apply order, so the first entry is always the oldest delete. */
  readonly #deleted = new Map<string, { partition: number; offset: number }>();
  /** Per partition, the lowest position from which every delete is still known. */
  readonly horizon: number[] = [];

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#deleted.size;
  }

  record(key: string, partition: number, offset: number): void {
    // Re-inserting moves the key to the end: the Map stays ordered by delete time.
    this.#deleted.delete(key);
    this.#deleted.set(key, { partition, offset });
    if (this.#deleted.size <= this.capacity) return;
    const [oldestKey, oldest] = this.#deleted.entries().next().value as [
      string,
      { partition: number; offset: number },
    ];
    this.#deleted.delete(oldestKey);
    this.horizon[oldest.partition] = Math.max(
      this.horizon[oldest.partition] ?? 0,
      oldest.offset + 1,
    );
  }

  /** The key has a value again. */
  forget(key: string): void {
    this.#deleted.delete(key);
  }

  /** A partition was rebuilt from `start`: nothing before it can be proven any more. */
  resetPartition(partition: number, start: number): void {
    for (const [key, at] of this.#deleted) {
      if (at.partition === partition) this.#deleted.delete(key);
    }
    this.horizon[partition] = Math.max(this.horizon[partition] ?? 0, start);
  }

  /** Keys deleted at or after `from` (per partition). */
  *deletedSince(from: readonly number[]): IterableIterator<string> {
    for (const [key, at] of this.#deleted) {
      if (at.offset >= (from[at.partition] ?? 0)) yield key;
    }
  }
}
