/**
 * The rows a stream table holds, oldest arrival first: a fixed-size circular buffer, so adding
 * and evicting cost O(1) and no array is shifted. Holds where each row came from and its time,
 * which is all eviction needs; the rows themselves live in the table's map.
 */
export class RowRing {
  readonly #ids: string[];
  readonly #partitions: Int32Array;
  readonly #offsets: Float64Array;
  readonly #timestamps: Float64Array;
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#ids = new Array<string>(capacity);
    this.#partitions = new Int32Array(capacity);
    this.#offsets = new Float64Array(capacity);
    this.#timestamps = new Float64Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds a row at the tail; the caller evicts first when the ring is full. */
  push(id: string, partition: number, offset: number, timestamp: number): void {
    if (this.#size === this.capacity) throw new RangeError('RowRing is full; evict first.');
    const at = (this.#head + this.#size) % this.capacity;
    this.#ids[at] = id;
    this.#partitions[at] = partition;
    this.#offsets[at] = offset;
    this.#timestamps[at] = timestamp;
    this.#size++;
  }

  /** The oldest row's time; undefined when empty. */
  get oldestTimestamp(): number | undefined {
    return this.#size === 0 ? undefined : this.#timestamps[this.#head];
  }

  /** Removes the oldest row and returns where it came from. */
  shift(): { id: string; partition: number; offset: number } {
    if (this.#size === 0) throw new RangeError('RowRing is empty.');
    const at = this.#head;
    const row = {
      id: this.#ids[at]!,
      partition: this.#partitions[at]!,
      offset: this.#offsets[at]!,
    };
    this.#ids[at] = '';
    this.#head = (at + 1) % this.capacity;
    this.#size--;
    return row;
  }
}
