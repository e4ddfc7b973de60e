/** What the framer tells its connection. */
export interface FrameSink {
  /** A whole response (its size prefix removed); the buffer is the sink's to keep. */
  frame(frame: Buffer): void;
  /** Whether `size` may be a response's size; false stops the framer for good. */
  sizeOk(size: number): boolean;
}

/** Where a plain TCP socket reads into between responses: a size and what follows it. */
const SCRATCH_BYTES = 64 * 1024;

/**
 * Cuts a broker's byte stream into responses, each a size (int32) and that many bytes.
 *
 * A plain TCP socket reads straight into the response being filled (`net.connect`'s `onread`
 * with {@link target}): the bytes of a large fetch response are written once, by the kernel,
 * instead of once into a chunk and again into the response. Between responses it reads into a
 * scratch buffer, whose bytes are copied out, as it is reused. A TLS socket hands over chunks
 * ({@link chunk}), which are the framer's to keep: a response wholly inside one is a view of it.
 */
export class ResponseFrames {
  #sink: FrameSink | undefined;
  readonly #scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  readonly #size = Buffer.alloc(4);
  #sizeHave = 0;
  #frame: Buffer | undefined;
  #frameHave = 0;
  #stopped = false;

  /**
   * Who gets the responses. Set once the connection exists: a socket's onread is given when it
   * is created, before anything that answers it is; nothing arrives before it connects.
   */
  listen(sink: FrameSink): void {
    this.#sink = sink;
  }

  /** The buffer the next socket read should fill. */
  target(): Buffer {
    const frame = this.#frame;
    return frame === undefined ? this.#scratch : frame.subarray(this.#frameHave);
  }

  /** `n` bytes were read into `buffer`, which {@link target} gave. */
  read(n: number, buffer: Buffer): void {
    if (this.#stopped) return;
    if (buffer === this.#scratch) {
      this.#take(this.#scratch.subarray(0, n), true);
      return;
    }
    this.#frameHave += n;
    if (this.#frameHave === this.#frame!.length) this.#finish();
  }

  /** A chunk of the stream that is the framer's to keep (TLS, or a test). */
  chunk(chunk: Buffer): void {
    this.#take(chunk, false);
  }

  /** Drops what was half read; nothing more is framed. */
  stop(): void {
    this.#stopped = true;
    this.#frame = undefined;
  }

  #take(chunk: Buffer, reused: boolean): void {
    let at = 0;
    while (at < chunk.length && !this.#stopped) {
      const frame = this.#frame;
      if (frame === undefined) {
        if (this.#sizeHave === 0 && chunk.length - at >= 4) {
          const size = chunk.readInt32BE(at);
          if (!this.#sizeOk(size)) return;
          if (chunk.length - at - 4 >= size) {
            // A whole response inside this chunk: a view of it, or a copy if it is reused.
            const whole = chunk.subarray(at + 4, at + 4 + size);
            at += 4 + size;
            this.#sink!.frame(reused ? Buffer.from(whole) : whole);
            continue;
          }
        }
        this.#size[this.#sizeHave++] = chunk[at++]!;
        if (this.#sizeHave < 4) continue;
        this.#sizeHave = 0;
        const size = this.#size.readInt32BE(0);
        if (!this.#sizeOk(size)) return;
        this.#frame = Buffer.allocUnsafe(size);
        this.#frameHave = 0;
        continue;
      }
      const n = Math.min(frame.length - this.#frameHave, chunk.length - at);
      chunk.copy(frame, this.#frameHave, at, at + n);
      this.#frameHave += n;
      at += n;
      if (this.#frameHave === frame.length) this.#finish();
    }
  }

  #sizeOk(size: number): boolean {
    if (this.#sink!.sizeOk(size)) return true;
    this.stop();
    return false;
  }

  #finish(): void {
    const frame = this.#frame!;
    this.#frame = undefined;
    this.#sink!.frame(frame);
  }
}
