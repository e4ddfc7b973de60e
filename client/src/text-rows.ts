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
  /**
   * Per block of BLOCK rows, each row's frame, start and end, side by side. Blocks, not one
   * array grown by doubling: a copy of megabytes (and the fresh pages it touches) in one task
   * measured 40–55 ms on a busy page at a million rows.
   */
  readonly #places: Uint32Array[] = [];
  /** Per block, the parsed values of rows read so far (made at the block's first read). */
  readonly #parsed: (unknown[] | undefined)[] = [];
  #count = 0;

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
    const at = (row & MASK) * 3;
    if (at === 0) this.#places.push(new Uint32Array(BLOCK * 3));
    const places = this.#places[row >>> BITS]!;
    places[at] = frame;
    places[at + 1] = start;
    places[at + 2] = end;
    this.#count = row + 1;
    return row;
  }

  /** The row's value if it was read before, else undefined (nothing is parsed). */
  peek(row: number): unknown {
    return this.#parsed[row >>> BITS]?.[row & MASK];
  }

  value(row: number): unknown {
    const block = row >>> BITS;
    // A block's worth of holes up front: writes at any index then keep the array's fast elements.
    const parsed = (this.#parsed[block] ??= new Array<unknown>(BLOCK));
    const known = parsed[row & MASK];
    if (known !== undefined) return known;
    const places = this.#places[block]!;
    const at = (row & MASK) * 3;
    const value: unknown = JSON.parse(
      this.#frames[places[at]!]!.slice(places[at + 1], places[at + 2]),
    );
    parsed[row & MASK] = value;
    return value;
  }
}

const BITS = 12;
/** Rows per block: 48 KiB of places. */
const BLOCK = 1 << BITS;
const MASK = BLOCK - 1;
