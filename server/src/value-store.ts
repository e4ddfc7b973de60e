const INITIAL_CAPACITY = 64;
/** Small steps keep the unused tail of the columns small; copying them is cheap next to decoding. */
const GROWTH = 1.25;
const MAX_UINT16 = 0xffff;
const MAX_UINT32 = 0xffff_ffff;

/**
 * The compacted map, laid out for memory: a key's slot in a `Map<string, number>`, and the
 * slot's stored text, offset, partition and plain flag in parallel columns. An object per entry
 * costs a header, a hidden-class pointer and a boxed offset; the columns cost 8 bytes (the text
 * pointer) + 4 (offset) + 2 (partition and flag) per slot.
 *
 * The numeric columns start narrow and widen once, when a value does not fit: offsets past
 * 2^32 - 1 move them to Float64Array, partitions past 32767 to Uint32Array.
 *
 * Freed slots go to a free list and are reused by the next new key, so a topic whose keys come
 * and go does not grow the columns past its largest size. The columns never shrink.
 */
export class ValueStore {
  readonly #slots = new Map<string, number>();
  /** Sized with the other columns; never read where unset. */
  #texts: string[] = new Array<string>(INITIAL_CAPACITY);
  #offsets: Uint32Array | Float64Array = new Uint32Array(INITIAL_CAPACITY);
  /** `partition * 2 + (plain ? 1 : 0)`. */
  #meta: Uint16Array | Uint32Array = new Uint16Array(INITIAL_CAPACITY);
  readonly #free: number[] = [];
  #next = 0;

  get size(): number {
    return this.#slots.size;
  }

  /** Slots in use plus free ones: how far the columns reach. */
  get capacity(): number {
    return this.#next;
  }

  has(key: string): boolean {
    return this.#slots.has(key);
  }

  slot(key: string): number | undefined {
    return this.#slots.get(key);
  }

  /** Stores a key's value; true when the key is new. */
  set(key: string, text: string, plain: boolean, partition: number, offset: number): boolean {
    let slot = this.#slots.get(key);
    const added = slot === undefined;
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#grow();
      this.#slots.set(key, slot);
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
    return added;
  }

  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    // Empty, not a hole: a hole would turn the array holey, and the text is released either way.
    this.#texts[slot] = '';
    this.#free.push(slot);
    return true;
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

  keys(): IterableIterator<string> {
    return this.#slots.keys();
  }

  /** Every key with its slot, in insertion order of the keys. */
  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.#slots.entries();
  }

  /** A new slot at the end, growing every column when they are full. */
  #grow(): number {
    const slot = this.#next++;
    if (slot === this.#offsets.length) {
      const capacity = Math.ceil(slot * GROWTH);
      const texts = new Array<string>(capacity);
      for (let i = 0; i < slot; i++) texts[i] = this.#texts[i]!;
      this.#texts = texts;
      this.#offsets = widen(this.#offsets, capacity);
      this.#meta = widen(this.#meta, capacity);
    }
    return slot;
  }
}

function widen<T extends Uint16Array | Uint32Array | Float64Array>(column: T, capacity: number): T {
  const next = new (column.constructor as new (length: number) => T)(capacity);
  next.set(column);
  return next;
}
