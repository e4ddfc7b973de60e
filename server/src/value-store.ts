const INITIAL_CAPACITY = 64;
/** Small steps keep the unused tail of the columns small; copying them is cheap next to decoding. */
const GROWTH = 1.25;
const INITIAL_TABLE = 128;
/** Table cells in use (keys and deleted markers) at most this share of the table. */
const MAX_LOAD = 0.75;
const EMPTY = 0;
const DELETED = -1;
const MAX_UINT16 = 0xffff;
const MAX_UINT32 = 0xffff_ffff;

/** Seeds the key hash per process, so keys chosen to collide cannot slow a table down. */
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/**
 * The compacted map, laid out for memory. Each key has a slot; a slot's key, key hash, stored
 * text, offset, partition and plain flag sit in parallel columns, and keys are found through an
 * open-addressing hash table of slot numbers (`Int32Array`, linear probing).
 *
 * Why not a `Map<string, slot>`: V8's Map costs ~37 bytes per entry (three pointers per entry
 * plus buckets, at up to 2× capacity); the table here costs ~7 bytes per key, plus 4 for the
 * cached hash. The columns cost 8 (key) + 8 (text) + 4 (offset) + 2 (partition and flag).
 *
 * The numeric columns start narrow and widen once, when a value does not fit: offsets past
 * 2^32 - 1 move them to Float64Array, partitions past 32767 to Uint32Array.
 *
 * Freed slots go to a free list and are reused by the next new key, so a topic whose keys come
 * and go does not grow the columns past its largest size. The columns never shrink. Iteration
 * is in slot order, not insertion order.
 */
export class ValueStore {
  /** Slot + 1 per cell; EMPTY ends a probe, DELETED does not. Its length is a power of two. */
  #table = new Int32Array(INITIAL_TABLE);
  /** Cells that are not EMPTY: keys and DELETED markers. */
  #filled = 0;
  #size = 0;
  /** Per slot; undefined marks a free slot. */
  #keys: Array<string | undefined> = new Array<string | undefined>(INITIAL_CAPACITY);
  #hashes = new Int32Array(INITIAL_CAPACITY);
  /** Sized with the other columns; never read where unset. */
  #texts: string[] = new Array<string>(INITIAL_CAPACITY);
  #offsets: Uint32Array | Float64Array = new Uint32Array(INITIAL_CAPACITY);
  /** `partition * 2 + (plain ? 1 : 0)`. */
  #meta: Uint16Array | Uint32Array = new Uint16Array(INITIAL_CAPACITY);
  readonly #free: number[] = [];
  #next = 0;

  get size(): number {
    return this.#size;
  }

  /** Slots in use plus free ones: how far the columns reach. */
  get capacity(): number {
    return this.#next;
  }

  has(key: string): boolean {
    return this.#cell(key, hash(key)) >= 0;
  }

  slot(key: string): number | undefined {
    const cell = this.#cell(key, hash(key));
    return cell < 0 ? undefined : this.#table[cell]! - 1;
  }

  /** Stores a key's value; true when the key is new. */
  set(key: string, text: string, plain: boolean, partition: number, offset: number): boolean {
    const h = hash(key);
    const cell = this.#cell(key, h);
    let slot: number;
    if (cell >= 0) {
      slot = this.#table[cell]! - 1;
    } else {
      if (this.#filled + 1 > this.#table.length * MAX_LOAD) this.#rebuild();
      slot = this.#free.pop() ?? this.#grow();
      this.#keys[slot] = key;
      this.#hashes[slot] = h;
      this.#insert(slot, h);
      this.#size++;
    }
    const meta = partition * 2 + (plain ? 1 : 0);
    if (offset > MAX_UINT32 && this.#offsets instanceof Uint32Array) {
      this.#offsets = Float64Array.from(this.#offsets);
    }
    if (meta > MAX_UINT16 && this.#meta instanceof Uint16Array) {
      this.#meta = Uint32Array.from(this.#meta);
    }
    this.#texts[slot] = text;
    this.#offsets[slot] = offset;
    this.#meta[slot] = meta;
    return cell < 0;
  }

  delete(key: string): boolean {
    const cell = this.#cell(key, hash(key));
    if (cell < 0) return false;
    const slot = this.#table[cell]! - 1;
    this.#table[cell] = DELETED;
    this.#keys[slot] = undefined;
    this.#texts[slot] = '';
    this.#free.push(slot);
    this.#size--;
    return true;
  }

  /** The key in `slot`, or undefined for a free (or never used) slot. */
  keyAt(slot: number): string | undefined {
    return slot < this.#next ? this.#keys[slot] : undefined;
  }

  text(slot: number): string {
    return this.#texts[slot]!;
  }

  isPlain(slot: number): boolean {
    return (this.#meta[slot]! & 1) === 1;
  }

  offset(slot: number): number {
    return this.#offsets[slot]!;
  }

  partition(slot: number): number {
    return this.#meta[slot]! >>> 1;
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this) yield key;
  }

  /** Every key with its slot. Keys set or deleted meanwhile may or may not be seen. */
  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let slot = 0; slot < this.#next; slot++) {
      const key = this.#keys[slot];
      if (key !== undefined) yield [key, slot];
    }
  }

  /** The table cell holding `key`, or -1. */
  #cell(key: string, h: number): number {
    const table = this.#table;
    const mask = table.length - 1;
    for (let cell = h & mask; ; cell = (cell + 1) & mask) {
      const entry = table[cell]!;
      if (entry === EMPTY) return -1;
      if (entry !== DELETED && this.#hashes[entry - 1] === h && this.#keys[entry - 1] === key) {
        return cell;
      }
    }
  }

  /** Puts a slot whose key is absent into the table, which has room (see set). */
  #insert(slot: number, h: number): void {
    const table = this.#table;
    const mask = table.length - 1;
    let cell = h & mask;
    while (table[cell] !== EMPTY && table[cell] !== DELETED) cell = (cell + 1) & mask;
    if (table[cell] === EMPTY) this.#filled++;
    table[cell] = slot + 1;
  }

  /** A fresh table without DELETED markers, sized so it is at most half full. */
  #rebuild(): void {
    let length = INITIAL_TABLE;
    while (length * 0.5 < this.#size + 1) length *= 2;
    const table = new Int32Array(length);
    const mask = length - 1;
    for (let slot = 0; slot < this.#next; slot++) {
      if (this.#keys[slot] === undefined) continue;
      let cell = this.#hashes[slot]! & mask;
      while (table[cell] !== EMPTY) cell = (cell + 1) & mask;
      table[cell] = slot + 1;
    }
    this.#table = table;
    this.#filled = this.#size;
  }

  /** A new slot at the end, growing every column when they are full. */
  #grow(): number {
    const slot = this.#next++;
    if (slot === this.#offsets.length) {
      const capacity = Math.ceil(slot * GROWTH);
      this.#keys = copyArray(this.#keys, capacity, slot);
      this.#texts = copyArray(this.#texts, capacity, slot);
      this.#hashes = widen(this.#hashes, capacity);
      this.#offsets = widen(this.#offsets, capacity);
      this.#meta = widen(this.#meta, capacity);
    }
    return slot;
  }
}

/** FNV-1a over UTF-16 code units, seeded, with murmur3's final mix for the low bits. */
function hash(key: string): number {
  let h = 0x811c9dc5 ^ SEED;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function copyArray<T>(source: T[], capacity: number, used: number): T[] {
  const next = new Array<T>(capacity);
  for (let i = 0; i < used; i++) next[i] = source[i]!;
  return next;
}

function widen<T extends Int32Array | Uint16Array | Uint32Array | Float64Array>(
  column: T,
  capacity: number,
): T {
  const next = new (column.constructor as new (length: number) => T)(capacity);
  next.set(column);
  return next;
}
