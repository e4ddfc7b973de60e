/**
 * The most entries in one chunk: V8 grows a Map by rehashing all of it in one go, ~50 ms past
 * 524,288 entries, and a copy-on-write copies a whole chunk; at 2^17 a chunk's rehash or copy is
 * a few ms, and a million keys are 8 chunks (a lookup tries at most 8 Maps).
 */
const CHUNK = 1 << 17;

/**
 * A string-keyed map made of Maps of at most CHUNK entries, iterated in the order a single Map
 * would be: a new key always goes to the last chunk, an existing one stays where it is. So no
 * insert rehashes more than a chunk, and `clone()` is O(chunks): the clone and the original
 * share chunks until one of them writes to a chunk, which it copies first (one chunk, not the
 * table). What the table store hands out as a snapshot is one of these, never mutated after.
 */
export class ChunkedMap<V> implements ReadonlyMap<string, V> {
  readonly #chunk: number;
  #chunks: Map<string, V>[] = [];
  /** Per chunk, whether this map may write to it (false: shared with a clone). */
  #own: boolean[] = [];
  #size = 0;

  /** `chunk`: the most entries per chunk (tests make it small). */
  constructor(chunk = CHUNK) {
    this.#chunk = chunk;
  }

  static from<V>(entries: Iterable<readonly [string, V]>): ChunkedMap<V> {
    const map = new ChunkedMap<V>();
    for (const [key, value] of entries) map.set(key, value);
    return map;
  }

  get size(): number {
    return this.#size;
  }

  get [Symbol.toStringTag](): string {
    return 'ChunkedMap';
  }

  get(key: string): V | undefined {
    const chunk = this.#find(key);
    return chunk === -1 ? undefined : this.#chunks[chunk]!.get(key);
  }

  has(key: string): boolean {
    return this.#find(key) !== -1;
  }

  set(key: string, value: V): this {
    let chunk = this.#find(key);
    if (chunk === -1) {
      chunk = this.#chunks.length - 1;
      if (chunk === -1 || this.#chunks[chunk]!.size >= this.#chunk) {
        this.#chunks.push(new Map());
        this.#own.push(true);
        chunk++;
      }
      this.#size++;
    }
    this.#writable(chunk).set(key, value);
    return this;
  }

  delete(key: string): boolean {
    const chunk = this.#find(key);
    if (chunk === -1) return false;
    const entries = this.#writable(chunk);
    entries.delete(key);
    this.#size--;
    // Keys that come and go would otherwise leave a trail of near-empty chunks to look through:
    // a chunk down to a quarter is merged with the next one (in order) when both fit in one.
    const next = this.#chunks[chunk + 1];
    if (next === undefined || entries.size >= this.#chunk / 4) return true;
    if (entries.size === 0) {
      this.#chunks.splice(chunk, 1);
      this.#own.splice(chunk, 1);
    } else if (entries.size + next.size <= this.#chunk) {
      this.#chunks.splice(chunk, 2, new Map([...entries, ...next]));
      this.#own.splice(chunk, 2, true);
    }
    return true;
  }

  /** A map equal to this one, sharing its chunks until either writes to one. */
  clone(): ChunkedMap<V> {
    const copy = new ChunkedMap<V>(this.#chunk);
    copy.#chunks = this.#chunks.slice();
    copy.#own = this.#chunks.map(() => false);
    this.#own = copy.#own.slice();
    copy.#size = this.#size;
    return copy;
  }

  *entries(): MapIterator<[string, V]> {
    for (const chunk of this.#chunks) yield* chunk.entries();
  }

  *keys(): MapIterator<string> {
    for (const chunk of this.#chunks) yield* chunk.keys();
  }

  *values(): MapIterator<V> {
    for (const chunk of this.#chunks) yield* chunk.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(visit: (value: V, key: string, map: ReadonlyMap<string, V>) => void, self?: unknown) {
    for (const [key, value] of this.entries()) visit.call(self, value, key, this);
  }

  #find(key: string): number {
    const chunks = this.#chunks;
    for (let i = 0; i < chunks.length; i++) if (chunks[i]!.has(key)) return i;
    return -1;
  }

  #writable(chunk: number): Map<string, V> {
    if (!this.#own[chunk]) {
      this.#chunks[chunk] = new Map(this.#chunks[chunk]);
      this.#own[chunk] = true;
    }
    return this.#chunks[chunk]!;
  }
}
