import type { TableEntry } from './table-change.js';

/** A table entry with its insertion sequence: map iteration order is ascending `seq`. */
export interface SequencedEntry<V> extends TableEntry<V> {
  readonly seq: number;
}

export interface SnapshotViewOptions {
  /** Only keys this accepts are read (a subscription's filter). */
  readonly matches?: ((key: string) => boolean) | undefined;
  /**
   * Resume: read only entries written at or after these offsets, plus `deletes`, the keys
   * deleted since them. Without it the view reads the whole (filtered) table.
   */
  readonly since?: readonly number[] | undefined;
  readonly deletes?: readonly string[] | undefined;
}

/**
 * The table frozen at one position, read a slice at a time while the live table goes on
 * changing, so a snapshot can be streamed as fast as its socket drains and still describe
 * exactly one position (I10) with each key once (I11).
 *
 * It walks the live map, whose iteration order is insertion order (ascending `seq`: an in-place
 * update keeps its place, a re-inserted key moves to the end). Before the table changes a key,
 * it calls `beforeChange`: a key the walk has not reached yet keeps its old entry here, so the
 * walk reports the value it had at `position`; a key that is new, or was already reported, is
 * marked to be skipped. Keys deleted before the walk reached them are reported from the kept
 * entries at the end. What the view holds is therefore the keys changed during the read, never
 * a copy of the table.
 */
export class SnapshotView<V> {
  readonly position: readonly number[];
  readonly mode: 'reset' | 'resume';
  readonly #iterator: Iterator<[string, SequencedEntry<V>]>;
  readonly #matches: ((key: string) => boolean) | undefined;
  readonly #since: readonly number[] | undefined;
  readonly #deletes: readonly string[];
  /** Entry at `position` of keys changed before the walk reached them; null: skip the key. */
  readonly #kept = new Map<string, TableEntry<V> | null>();
  readonly #onClose: (view: SnapshotView<V>) => void;
  #cursor = -1;
  #sweep: Iterator<[string, TableEntry<V> | null]> | undefined;
  #deletesRead = 0;
  #done = false;
  #closed = false;

  constructor(
    entries: ReadonlyMap<string, SequencedEntry<V>>,
    position: readonly number[],
    options: SnapshotViewOptions,
    onClose: (view: SnapshotView<V>) => void,
  ) {
    this.#iterator = entries.entries();
    this.position = [...position];
    this.#matches = options.matches;
    this.#since = options.since;
    this.mode = options.since === undefined ? 'reset' : 'resume';
    this.#deletes =
      options.deletes === undefined
        ? []
        : options.matches === undefined
          ? options.deletes
          : options.deletes.filter(options.matches);
    this.#onClose = onClose;
  }

  /** Keys changed during the read whose old entry the view keeps: its memory beyond O(1). */
  get kept(): number {
    return this.#kept.size;
  }

  get done(): boolean {
    return this.#done;
  }

  /**
   * Appends up to `max` entries to `sets` and deletes to `deletes`, looking at no more than
   * `scanLimit` keys. Returns true once everything has been read. The entries are valid until
   * the table applies its next batch: turn them into a frame before yielding.
   */
  read(
    max: number,
    scanLimit: number,
    sets: Array<readonly [string, TableEntry<V>]>,
    deletes: string[],
  ): boolean {
    let scanned = 0;
    const limit = sets.length + deletes.length + max;
    while (!this.#done && sets.length + deletes.length < limit && scanned < scanLimit) {
      scanned++;
      if (this.#sweep === undefined) {
        const next = this.#iterator.next();
        if (next.done) {
          this.#cursor = Number.POSITIVE_INFINITY;
          this.#sweep = this.#kept.entries();
          continue;
        }
        const [key, entry] = next.value;
        this.#cursor = entry.seq;
        let at: TableEntry<V> | null = entry;
        const kept = this.#kept.get(key);
        if (kept !== undefined) {
          at = kept;
          // Reported now; a later change of this key sees it as already reported.
          this.#kept.delete(key);
        }
        if (at !== null) this.#take(key, at, sets);
        continue;
      }
      const next = this.#sweep.next();
      if (!next.done) {
        // Deleted before the walk reached them: still part of the table at `position`.
        const [key, at] = next.value;
        if (at !== null) this.#take(key, at, sets);
        continue;
      }
      if (this.#deletesRead < this.#deletes.length) {
        const room = limit - sets.length - deletes.length;
        const end = Math.min(this.#deletes.length, this.#deletesRead + room);
        deletes.push(...this.#deletes.slice(this.#deletesRead, end));
        this.#deletesRead = end;
        continue;
      }
      this.#done = true;
      this.close();
    }
    return this.#done;
  }

  #take(key: string, entry: TableEntry<V>, sets: Array<readonly [string, TableEntry<V>]>): void {
    if (this.#matches !== undefined && !this.#matches(key)) return;
    if (this.#since !== undefined && entry.offset < (this.#since[entry.partition] ?? 0)) return;
    sets.push([key, entry]);
  }

  /**
   * Called by the table before it changes `key`; `entry` is the key's current entry (undefined
   * when the key is absent), and the table never mutates it afterwards.
   */
  beforeChange(key: string, entry: SequencedEntry<V> | undefined): void {
    if (this.#kept.has(key)) return; // the first change already kept the value at `position`
    if (this.#matches !== undefined && !this.#matches(key)) return;
    // Absent now and not kept: absent at `position` too (its delete would have been kept).
    this.#kept.set(key, entry !== undefined && entry.seq > this.#cursor ? entry : null);
  }

  /** Stops following the table. Idempotent; `read` returns nothing more. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#done = true;
    this.#kept.clear();
    this.#onClose(this);
  }
}
