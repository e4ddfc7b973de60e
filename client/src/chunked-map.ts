import { type KeyBloom, keyBloom } from './key-bloom.js';
import { keyHash } from './key-hash.js';
import { KeyTable } from './key-table.js';
import { TextRows } from './text-rows.js';

/**
 * The most entries in one chunk: a hash table grows by rehashing all of it in one go (a V8 Map
 * ~50 ms past 524,288 entries), and a copy-on-write copies a whole chunk; at 2^17 a chunk's
 * rehash or copy is a few ms, and a million keys are 8 chunks.
 */
const CHUNK = 1 << 17;

/**
 * A string-keyed map made of hash tables (`KeyTable`, not Maps: see there) of at most CHUNK
 * entries each, iterated in the order a single Map
 * would be: a new key always goes to the last chunk, an existing one stays where it is. So no
 * insert rehashes more than a chunk, and `clone()` is O(chunks): the clone and the original
 * share chunks until one of them writes to a chunk, which it copies first (one chunk, not the
 * table). What the table store hands out as a snapshot is one of these, never mutated after.
 *
 * Every chunk but the last has a Bloom filter of its keys, so a lookup asks only the chunks that
 * may hold the key: a new key, the common case while a snapshot loads, is looked up in the
 * last chunk alone. A chunk's keys only change by deletes once it is not the last (new keys go
 * to the last), so its filter, built when the next chunk opens, stays true: at worst it says
 * "maybe" for a deleted key.
 *
 * A map made `withRows()` may also hold values as rows of text (`TextRows`), parsed when first
 * read: a chunk then stores a row as its number, and a value that is a number in a box, so the
 * two cannot be confused. Every read (get, iteration) hands out values, never rows.
 */
export class ChunkedMap<V> implements ReadonlyMap<string, V> {
  readonly #chunk: number;
  /** What stored numbers are rows of; undefined in a map without rows (numbers stored as is). */
  #rows: TextRows | undefined;
  #chunks: KeyTable[] = [];
  /** Per chunk, whether this map may write to it (false: shared with a clone). */
  #own: boolean[] = [];
  /** Per chunk but the last, a Bloom filter of its keys; never mutated, so clones share them. */
  #filters: (KeyBloom | undefined)[] = [];
  #size = 0;

  /** `chunk`: the most entries per chunk (tests make it small). */
  constructor(chunk = CHUNK) {
    this.#chunk = chunk;
  }

  /** An empty map that may hold rows of text (see `setRow`). */
  static withRows<V>(chunk = CHUNK): ChunkedMap<V> {
    const map = new ChunkedMap<V>(chunk);
    map.#rows = new TextRows();
    return map;
  }

  /** Where this map's rows of text are kept; undefined for a map made without rows. */
  get rows(): TextRows | undefined {
    return this.#rows;
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
    const hash = keyHash(key);
    const chunk = this.#find(key, hash);
    return chunk === -1 ? undefined : this.#out(this.#chunks[chunk]!.get(key, hash));
  }

  /**
   * Whether `key` holds exactly `value` (Object.is), without parsing a row that was never read:
   * such a row's value is an object nobody has seen, so it cannot be `value`.
   */
  holds(key: string, value: V): boolean {
    const hash = keyHash(key);
    const chunk = this.#find(key, hash);
    if (chunk === -1) return false;
    const stored = this.#chunks[chunk]!.get(key, hash);
    if (this.#rows === undefined) return Object.is(stored, value);
    if (typeof stored === 'number') return Object.is(this.#rows.peek(stored), value);
    return Object.is(this.#out(stored), value);
  }

  has(key: string): boolean {
    if (this.#size === 0) return false;
    return this.#find(key, keyHash(key)) !== -1;
  }

  set(key: string, value: V): this {
    return this.#put(
      key,
      this.#rows !== undefined && typeof value === 'number' ? new Boxed(value) : value,
    );
  }

  /** Sets `key` to row `row` of this map's `rows` (a map made `withRows()`). */
  setRow(key: string, row: number): this {
    if (this.#rows === undefined) throw new TypeError('ChunkedMap.setRow: a map made without rows');
    return this.#put(key, row);
  }

  #put(key: string, value: unknown): this {
    const hash = keyHash(key);
    const last = this.#chunks.length - 1;
    let chunk = this.#findOlder(key, hash);
    if (chunk === -1) {
      // Not in an older chunk: it is in the last, or new. A new key goes to the last chunk
      // unless that is full; one set then both looks the key up and stores it, where a lookup
      // first would search that chunk twice for every new key.
      const open = last === -1 ? undefined : this.#chunks[last]!;
      if (open === undefined || (open.size >= this.#chunk && !open.has(key, hash))) {
        if (open !== undefined) this.#filters[last] = filterOf(open);
        const fresh = new KeyTable();
        fresh.set(key, hash, value);
        this.#chunks.push(fresh);
        this.#own.push(true);
        this.#filters.push(undefined);
        this.#size++;
        return this;
      }
      chunk = last;
    }
    if (this.#writable(chunk).set(key, hash, value)) this.#size++;
    return this;
  }

  delete(key: string): boolean {
    const hash = keyHash(key);
    const chunk = this.#find(key, hash);
    if (chunk === -1) return false;
    const entries = this.#writable(chunk);
    entries.delete(key, hash);
    this.#size--;
    // Keys that come and go would otherwise leave a trail of near-empty chunks to look through:
    // a chunk down to a quarter is merged with the next one (in order) when both fit in one.
    const next = this.#chunks[chunk + 1];
    if (next === undefined || entries.size >= this.#chunk / 4) return true;
    if (entries.size === 0) {
      this.#chunks.splice(chunk, 1);
      this.#own.splice(chunk, 1);
      this.#filters.splice(chunk, 1);
    } else if (entries.size + next.size <= this.#chunk) {
      // `entries` is this map's own (written just now); `next` may be shared, so only read.
      const hashes = next.hashList();
      let i = 0;
      for (const [nextKey, nextValue] of next.entries())
        entries.set(nextKey, hashes[i++]!, nextValue);
      this.#chunks.splice(chunk, 2, entries);
      this.#own.splice(chunk, 2, true);
      const isLast = chunk === this.#chunks.length - 1;
      this.#filters.splice(chunk, 2, isLast ? undefined : filterOf(entries));
    }
    return true;
  }

  /** A map equal to this one, sharing its chunks until either writes to one. */
  clone(): ChunkedMap<V> {
    const copy = new ChunkedMap<V>(this.#chunk);
    copy.#rows = this.#rows;
    copy.#chunks = this.#chunks.slice();
    copy.#own = this.#chunks.map(() => false);
    copy.#filters = this.#filters.slice();
    this.#own = copy.#own.slice();
    copy.#size = this.#size;
    return copy;
  }

  *entries(): MapIterator<[string, V]> {
    if (this.#rows === undefined) {
      for (const chunk of this.#chunks) yield* chunk.entries() as Generator<[string, V]>;
      return;
    }
    for (const chunk of this.#chunks) {
      for (const [key, stored] of chunk.entries()) yield [key, this.#out(stored)];
    }
  }

  *keys(): MapIterator<string> {
    for (const chunk of this.#chunks) yield* chunk.keys();
  }

  *values(): MapIterator<V> {
    if (this.#rows === undefined) {
      for (const chunk of this.#chunks) yield* chunk.values() as Generator<V>;
      return;
    }
    for (const chunk of this.#chunks) {
      for (const stored of chunk.values()) yield this.#out(stored);
    }
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(visit: (value: V, key: string, map: ReadonlyMap<string, V>) => void, self?: unknown) {
    for (const [key, value] of this.entries()) visit.call(self, value, key, this);
  }

  /** The value a chunk's entry stands for. */
  #out(stored: unknown): V {
    const rows = this.#rows;
    if (rows === undefined) return stored as V;
    if (typeof stored === 'number') return rows.value(stored) as V;
    return (stored instanceof Boxed ? stored.value : stored) as V;
  }

  #find(key: string, hash: number): number {
    const chunk = this.#findOlder(key, hash);
    if (chunk !== -1) return chunk;
    const last = this.#chunks.length - 1;
    return last >= 0 && this.#chunks[last]!.has(key, hash) ? last : -1;
  }

  /** The chunk before the last that holds `key`, asking only those whose filter may. */
  #findOlder(key: string, hash: number): number {
    const last = this.#chunks.length - 1;
    if (last <= 0) return -1;
    const chunks = this.#chunks;
    const filters = this.#filters;
    for (let i = 0; i < last; i++) {
      if (filters[i]!(hash) && chunks[i]!.has(key, hash)) return i;
    }
    return -1;
  }

  #writable(chunk: number): KeyTable {
    if (!this.#own[chunk]) {
      this.#chunks[chunk] = this.#chunks[chunk]!.copy();
      this.#own[chunk] = true;
    }
    return this.#chunks[chunk]!;
  }
}

/** A value that is a number, in a map whose bare numbers are rows. */
class Boxed {
  constructor(readonly value: number) {}
}

function filterOf(chunk: KeyTable): KeyBloom {
  return keyBloom(chunk.hashList());
}
