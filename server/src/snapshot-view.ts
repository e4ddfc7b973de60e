import type { ValueStore } from './value-store.js';

/** A key's value as the table stores it (see WireEntry), with the record it came from. */
export interface StoredEntry {
  readonly text: string;
  readonly plain: boolean;
  readonly partition: number;
  readonly offset: number;
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
 * It walks the store's slots in order. Before the table changes a key, it calls
 * `beforeChange`: a key in a slot the walk has not reached yet keeps its old entry here, so the
 * walk reports the value it had at `position`; a key that is new, or was already reported, is
 * marked to be skipped (a new key may take a freed slot ahead of the walk). Keys deleted before
 * the walk reached them are reported from the kept entries at the end. What the view holds is
 * therefore the keys changed during the read, never a copy of the table.
 */
export class SnapshotView {
  readonly position: readonly number[];
  readonly mode: 'reset' | 'resume';
  readonly #store: ValueStore;
  readonly #matches: ((key: string) => boolean) | undefined;
  readonly #since: readonly number[] | undefined;
  readonly #deletes: readonly string[];
  /** Entry at `position` of keys changed before the walk reached them; null: skip the key. */
  readonly #kept = new Map<string, StoredEntry | null>();
  readonly #onClose: (view: SnapshotView) => void;
  /** The next slot the walk visits; past the end once it sweeps the kept entries. */
  #cursor = 0;
  #sweep: Iterator<[string, StoredEntry | null]> | undefined;
  #deletesRead = 0;
  #done = false;
  #closed = false;

  constructor(
    store: ValueStore,
    position: readonly number[],
    options: SnapshotViewOptions,
    onClose: (view: SnapshotView) => void,
  ) {
    this.#store = store;
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
   * `scanLimit` slots, and stopping once the keys and texts appended reach `maxChars` (so one
   * entry larger than that is still read, alone). Returns true once everything has been read.
   */
  read(
    max: number,
    scanLimit: number,
    sets: Array<readonly [string, StoredEntry]>,
    deletes: string[],
    maxChars = Number.POSITIVE_INFINITY,
  ): boolean {
    let scanned = 0;
    let chars = 0;
    const limit = sets.length + deletes.length + max;
    const store = this.#store;
    while (
      !this.#done &&
      sets.length + deletes.length < limit &&
      scanned < scanLimit &&
      chars < maxChars
    ) {
      scanned++;
      if (this.#sweep === undefined) {
        if (this.#cursor >= store.capacity) {
          this.#cursor = Number.POSITIVE_INFINITY;
          this.#sweep = this.#kept.entries();
          continue;
        }
        const slot = this.#cursor++;
        const key = store.keyAt(slot);
        if (key === undefined) continue;
        const kept = this.#kept.get(key);
        if (kept !== undefined) {
          // Reported now (or skipped); a later change of this key sees it as already reported.
          this.#kept.delete(key);
          if (kept !== null) chars += this.#take(key, kept, sets);
          continue;
        }
        chars += this.#take(key, entryOf(store, slot), sets);
        continue;
      }
      const next = this.#sweep.next();
      if (!next.done) {
        // Deleted before the walk reached them: still part of the table at `position`.
        const [key, at] = next.value;
        if (at !== null) chars += this.#take(key, at, sets);
        continue;
      }
      if (this.#deletesRead < this.#deletes.length) {
        const room = limit - sets.length - deletes.length;
        const end = Math.min(this.#deletes.length, this.#deletesRead + room);
        while (this.#deletesRead < end && chars < maxChars) {
          const key = this.#deletes[this.#deletesRead++]!;
          deletes.push(key);
          chars += key.length;
        }
        continue;
      }
      this.#done = true;
      this.close();
    }
    return this.#done;
  }

  /** Appends the entry if the view reads it; returns the characters it added. */
  #take(key: string, entry: StoredEntry, sets: Array<readonly [string, StoredEntry]>): number {
    if (this.#matches !== undefined && !this.#matches(key)) return 0;
    if (this.#since !== undefined && entry.offset < (this.#since[entry.partition] ?? 0)) return 0;
    sets.push([key, entry]);
    return key.length + entry.text.length;
  }

  /**
   * Called by the table before it changes `key`, which is in `slot` now (undefined when the key
   * is absent and about to be added).
   */
  beforeChange(key: string, slot: number | undefined): void {
    if (this.#kept.has(key)) return; // the first change already kept the value at `position`
    if (this.#matches !== undefined && !this.#matches(key)) return;
    // Absent now and not kept: absent at `position` too (its delete would have been kept).
    const ahead = slot !== undefined && slot >= this.#cursor;
    this.#kept.set(key, ahead ? entryOf(this.#store, slot) : null);
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

function entryOf(store: ValueStore, slot: number): StoredEntry {
  return {
    text: store.text(slot),
    plain: store.isPlain(slot),
    partition: store.partition(slot),
    offset: store.offset(slot),
  };
}
