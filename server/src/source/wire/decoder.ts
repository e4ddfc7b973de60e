/**
 * Reads a Kafka response body. Every read checks bounds through Buffer's own checks, so a
 * malformed response throws a RangeError that the caller turns into a protocol error.
 */
export class Decoder {
  at = 0;
  constructor(readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.at;
  }

  int8(): number {
    const v = this.buffer.readInt8(this.at);
    this.at += 1;
    return v;
  }

  int16(): number {
    const v = this.buffer.readInt16BE(this.at);
    this.at += 2;
    return v;
  }

  int32(): number {
    const v = this.buffer.readInt32BE(this.at);
    this.at += 4;
    return v;
  }

  /** INT64 as a number: offsets and producer ids stay far below 2^53. */
  int64(): number {
    const high = this.buffer.readInt32BE(this.at);
    const low = this.buffer.readUInt32BE(this.at + 4);
    this.at += 8;
    return high * 0x1_0000_0000 + low;
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buffer[this.at++];
      if (byte === undefined) throw new RangeError('Truncated varint.');
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new RangeError('Varint too long.');
  }

  bytes(n: number): Buffer {
    if (n < 0 || this.at + n > this.buffer.length) throw new RangeError('Truncated bytes.');
    const v = this.buffer.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  /** STRING / NULLABLE_STRING, or the COMPACT_ forms when flexible. */
  string(flexible: boolean): string | null {
    const length = flexible ? this.uvarint() - 1 : this.int16();
    return length < 0 ? null : this.bytes(length).toString('utf8');
  }

  /** BYTES / NULLABLE_BYTES (and RECORDS), or the COMPACT_ forms when flexible. */
  nullableBytes(flexible: boolean): Buffer | null {
    const length = flexible ? this.uvarint() - 1 : this.int32();
    return length < 0 ? null : this.bytes(length);
  }

  /** The element count of an ARRAY or COMPACT_ARRAY; -1 for a null array. */
  arrayLength(flexible: boolean): number {
    return flexible ? this.uvarint() - 1 : this.int32();
  }

  uuid(): string {
    const hex = this.bytes(16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Skips a tagged-field section; nothing when the version is not flexible. */
  tags(flexible: boolean): void {
    if (!flexible) return;
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.bytes(this.uvarint());
    }
  }
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
