/**
 * A string-keyed hash table kept in insertion order, the chunk of a ChunkedMap, in place of a
 * `Map`. Why not a Map: a batch that writes to a chunk someone holds copies it first, and a
 * `new Map(chunk)` of 131,072 keys took 15–35 ms in Node 20, this table's `copy()` ~2 ms (typed
 * arrays and two array slices). And Chromium internalizes a string the first time it is a Map
 * key (it becomes a pointer into V8's string table): in a page harness with 1M keys, Maps took
 * 230–320 ms to fill and a full collection 66–97 ms after, this table 120–170 ms and 17–39 ms
 * (docs/BENCHMARKS.md). Its keys stay ordinary strings.
 *
 * Slots are appended in insertion order; a delete leaves a hole that iteration skips, and the
 * slots are compacted when holes are half of them. Buckets chain slots through `#next`. The
 * caller passes each key's hash (`keyHash`, seeded per page), computed once per lookup of the
 * whole ChunkedMap.
 */
export class KeyTable {
  /** Per slot, its key; undefined once deleted. */
  #keys: (string | undefined)[] = [];
  #values: unknown[] = [];
  #hashes = new Int32Array(8);
  /** Per slot, the next slot of its bucket, or -1. */
  #next = new Int32Array(8);
  /** Per bucket, its first slot, or -1. */
  #buckets = new Int32Array(8).fill(-1);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The slot of `key`, or -1. */
  #slot(key: string, hash: number): number {
    const keys = this.#keys;
    const next = this.#next;
    for (let s = this.#buckets[hash & (this.#buckets.length - 1)]!; s !== -1; s = next[s]!) {
      if (keys[s] === key) return s;
    }
    return -1;
  }

  has(key: string, hash: number): boolean {
    return this.#slot(key, hash) !== -1;
  }

  get(key: string, hash: number): unknown {
    const s = this.#slot(key, hash);
    return s === -1 ? undefined : this.#values[s];
  }

  /** Sets `key`; true when it was not there (a new slot, at the end of the order). */
  set(key: string, hash: number, value: unknown): boolean {
    const s = this.#slot(key, hash);
    if (s !== -1) {
      this.#values[s] = value;
      return false;
    }
    if (this.#keys.length === this.#next.length) this.#grow();
    const slot = this.#keys.length;
    this.#keys.push(key);
    this.#values.push(value);
    this.#hashes[slot] = hash;
    const bucket = hash & (this.#buckets.length - 1);
    this.#next[slot] = this.#buckets[bucket]!;
    this.#buckets[bucket] = slot;
    this.#size++;
    return true;
  }

  delete(key: string, hash: number): boolean {
    const bucket = hash & (this.#buckets.length - 1);
    const keys = this.#keys;
    const next = this.#next;
    let previous = -1;
    for (let s = this.#buckets[bucket]!; s !== -1; previous = s, s = next[s]!) {
      if (keys[s] !== key) continue;
      if (previous === -1) this.#buckets[bucket] = next[s]!;
      else next[previous] = next[s]!;
      keys[s] = undefined;
      this.#values[s] = undefined;
      this.#size--;
      // Holes are skipped by iteration and take room: gone when they are half the slots.
      if (this.#size * 2 < keys.length && keys.length > 8) this.#compact();
      return true;
    }
    return false;
  }

  /** An equal table that shares nothing with this one. */
  copy(): KeyTable {
    const copy = new KeyTable();
    copy.#keys = this.#keys.slice();
    copy.#values = this.#values.slice();
    copy.#hashes = this.#hashes.slice();
    copy.#next = this.#next.slice();
    copy.#buckets = this.#buckets.slice();
    copy.#size = this.#size;
    return copy;
  }

  *entries(): Generator<[string, unknown]> {
    const keys = this.#keys;
    for (let s = 0; s < keys.length; s++) {
      const key = keys[s];
      if (key !== undefined) yield [key, this.#values[s]];
    }
  }

  *keys(): Generator<string> {
    for (const key of this.#keys) if (key !== undefined) yield key;
  }

  *values(): Generator<unknown> {
    const keys = this.#keys;
    for (let s = 0; s < keys.length; s++) if (keys[s] !== undefined) yield this.#values[s];
  }

  /**
   * The hash of every key, in order (to build a Bloom filter without hashing again): a view of
   * the table's own array when it has no holes, else a copy without them. Not to be kept.
   */
  hashList(): Int32Array {
    const keys = this.#keys;
    if (this.#size === keys.length) return this.#hashes.subarray(0, keys.length);
    const list = new Int32Array(this.#size);
    let n = 0;
    for (let s = 0; s < keys.length; s++) if (keys[s] !== undefined) list[n++] = this.#hashes[s]!;
    return list;
  }

  /**
   * Room for twice the slots, and as many buckets. The slots stay where they are (the arrays
   * grow by push); only the chains are laid again, over typed arrays: a re-laying of keys and
   * values as well took ~48 ms in one task for a chunk going past 65,536 keys on a busy page.
   */
  #grow(): void {
    const capacity = this.#next.length * 2;
    const hashes = new Int32Array(capacity);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    this.#relink(capacity);
  }

  /** Drops the holes (keeping the order), then lays the chains again. */
  #compact(): void {
    const keys: (string | undefined)[] = [];
    const values: unknown[] = [];
    const hashes = new Int32Array(this.#next.length);
    for (let s = 0; s < this.#keys.length; s++) {
      const key = this.#keys[s];
      if (key === undefined) continue;
      hashes[keys.length] = this.#hashes[s]!;
      keys.push(key);
      values.push(this.#values[s]);
    }
    this.#keys = keys;
    this.#values = values;
    this.#hashes = hashes;
    this.#relink(this.#next.length);
  }

  /** Chains every live slot into `capacity` buckets. */
  #relink(capacity: number): void {
    const keys = this.#keys;
    const hashes = this.#hashes;
    const next = new Int32Array(capacity);
    const buckets = new Int32Array(capacity).fill(-1);
    const mask = capacity - 1;
    for (let s = 0; s < keys.length; s++) {
      if (keys[s] === undefined) continue;
      const bucket = hashes[s]! & mask;
      next[s] = buckets[bucket]!;
      buckets[bucket] = s;
    }
    this.#next = next;
    this.#buckets = buckets;
  }
}
