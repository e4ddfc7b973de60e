/**
 * Builds a Kafka request body. Requests are small (a few hundred bytes), so a growable buffer
 * with plain big-endian writes is plenty; the hot path is decoding responses, not this.
 */
export class Encoder {
  #buffer = Buffer.allocUnsafe(256);
  #at = 0;

  #room(n: number): void {
    if (this.#at + n <= this.#buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#at + n));
    this.#buffer.copy(next, 0, 0, this.#at);
    this.#buffer = next;
  }

  int8(v: number): this {
    this.#room(1);
    this.#buffer.writeInt8(v, this.#at);
    this.#at += 1;
    return this;
  }

  int16(v: number): this {
    this.#room(2);
    this.#buffer.writeInt16BE(v, this.#at);
    this.#at += 2;
    return this;
  }

  int32(v: number): this {
    this.#room(4);
    this.#buffer.writeInt32BE(v, this.#at);
    this.#at += 4;
    return this;
  }

  int64(v: number): this {
    this.#room(8);
    this.#buffer.writeBigInt64BE(BigInt(v), this.#at);
    this.#at += 8;
    return this;
  }

  uvarint(v: number): this {
    this.#room(5);
    let value = v >>> 0;
    while (value >= 0x80) {
      this.#buffer[this.#at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.#buffer[this.#at++] = value;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.#room(bytes.length);
    this.#buffer.set(bytes, this.#at);
    this.#at += bytes.length;
    return this;
  }

  /** STRING / NULLABLE_STRING (int16 length), or COMPACT_(NULLABLE_)STRING when flexible. */
  string(v: string | null, flexible: boolean): this {
    if (v === null) return flexible ? this.uvarint(0) : this.int16(-1);
    const bytes = Buffer.from(v, 'utf8');
    if (flexible) this.uvarint(bytes.length + 1);
    else this.int16(bytes.length);
    return this.raw(bytes);
  }

  /** BYTES (int32 length), or COMPACT_BYTES when flexible. */
  bytes(v: Uint8Array, flexible: boolean): this {
    if (flexible) this.uvarint(v.length + 1);
    else this.int32(v.length);
    return this.raw(v);
  }

  /** The length prefix of an ARRAY, or of a COMPACT_ARRAY when flexible. */
  arrayLength(n: number, flexible: boolean): this {
    return flexible ? this.uvarint(n + 1) : this.int32(n);
  }

  /** An empty tagged-field section; nothing when the version is not flexible. */
  tags(flexible: boolean): this {
    return flexible ? this.uvarint(0) : this;
  }

  uuid(id: string): this {
    return this.raw(Buffer.from(id.replace(/-/g, ''), 'hex'));
  }

  /** The bytes written so far (a view, not a copy). */
  get bytesWritten(): Buffer {
    return this.#buffer.subarray(0, this.#at);
  }
}
