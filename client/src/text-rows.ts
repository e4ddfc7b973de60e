/**
 * Values kept as places in the text of the frames that brought them, parsed when first read.
 *
 * Why: a million-key snapshot parsed at once is a million value objects made on the page's
 * main thread in a few seconds, and V8's young-generation collector copies every one of them
 * (they all survive) in pauses that, on a busy machine, run past 50 ms. Kept as text, a value
 * costs three numbers in typed arrays (outside the heap) and its frame's string, which V8 keeps
 * in the large-object space and never copies. docs/BENCHMARKS.md has the measurements.
 *
 * A row is never changed once added, and its parsed value is kept (so every read of it, from any
 * copy of the map, returns the same object). The frames stay as long as the rows do: the map
 * built from one reset snapshot holds that snapshot's text until the map is dropped, at most
 * the size of the snapshot as it was sent.
 */
export class TextRows {
  readonly #frames: string[] = [];
  #frame = new Uint32Array(1024);
  #start = new Uint32Array(1024);
  #end = new Uint32Array(1024);
  #count = 0;
  /** Parsed values by row; holes until read. */
  #parsed: unknown[] = [];

  get size(): number {
    return this.#count;
  }

  /** Adds a frame; rows then name it by the number returned. */
  addFrame(text: string): number {
    this.#frames.push(text);
    return this.#frames.length - 1;
  }

  /** A value that is `JSON.parse(frame.slice(start, end))`, already checked to be JSON. */
  add(frame: number, start: number, end: number): number {
    const row = this.#count;
    if (row === this.#frame.length) this.#grow();
    this.#frame[row] = frame;
    this.#start[row] = start;
    this.#end[row] = end;
    this.#count = row + 1;
    return row;
  }

  /** The row's value if it was read before, else undefined (nothing is parsed). */
  peek(row: number): unknown {
    return row < this.#parsed.length ? this.#parsed[row] : undefined;
  }

  value(row: number): unknown {
    const parsed = this.#parsed;
    if (row < parsed.length) {
      const value = parsed[row];
      if (value !== undefined) return value;
    }
    const value: unknown = JSON.parse(
      this.#frames[this.#frame[row]!]!.slice(this.#start[row], this.#end[row]),
    );
    // Filled up to the rows added so far with pushes: a dense array, where a write far past its
    // end (or `new Array(n)` of a large n) would give V8 a slower dictionary of elements.
    while (parsed.length < this.#count) parsed.push(undefined);
    parsed[row] = value;
    return value;
  }

  #grow(): void {
    const size = this.#frame.length * 2;
    this.#frame = grown(this.#frame, size);
    this.#start = grown(this.#start, size);
    this.#end = grown(this.#end, size);
  }
}

function grown(array: Uint32Array<ArrayBuffer>, size: number): Uint32Array<ArrayBuffer> {
  const next = new Uint32Array(size);
  next.set(array);
  return next;
}
