const INITIAL_CAPACITY = 64;

/**
 * The compacted map, laid out for memory: a key's slot in a `Map<string, number>`, and the
 * slot's stored text, offset, partition and plain flag in parallel arrays. An object per entry
 * costs a header, a hidden-class pointer and a boxed offset; columns cost 8 + 8 + 4 + 1 bytes.
 *
 * Freed slots go to a free list and are reused by the next new key, so a topic whose keys come
 * and go does not grow the columns past its largest size. The columns never shrink.
 */
export class ValueStore {
  readonly #slots = new Map<string, number>();
  /** A plain array of strings: V8 keeps it as a packed array of pointers, 8 bytes a slot. */
  readonly #texts: string[] = [];
  #offsets = new Float64Array(INITIAL_CAPACITY);
  #partitions = new Int32Array(INITIAL_CAPACITY);
  #plain = new Uint8Array(INITIAL_CAPACITY);
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
    this.#texts[slot] = text;
    this.#offsets[slot] = offset;
    this.#partitions[slot] = partition;
    this.#plain[slot] = plain ? 1 : 0;
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
    return this.#plain[slot] === 1;
  }

  offset(slot: number): number {
    return this.#offsets[slot]!;
  }

  partition(slot: number): number {
    return this.#partitions[slot]!;
  }

  keys(): IterableIterator<string> {
    return this.#slots.keys();
  }

  /** Every key with its slot, in insertion order of the keys. */
  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.#slots.entries();
  }

  /** A new slot at the end, growing the columns by half when they are full. */
  #grow(): number {
    const slot = this.#next++;
    if (slot === this.#offsets.length) {
      const capacity = Math.ceil(slot * 1.5);
      this.#offsets = copyInto(new Float64Array(capacity), this.#offsets);
      this.#partitions = copyInto(new Int32Array(capacity), this.#partitions);
      this.#plain = copyInto(new Uint8Array(capacity), this.#plain);
    }
    return slot;
  }
}

function copyInto<T extends Float64Array | Int32Array | Uint8Array>(target: T, source: T): T {
  target.set(source);
  return target;
}
