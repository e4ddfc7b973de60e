/**
 * Builds Kafka record batches (format v2) by hand, byte by byte, for decoder tests, with their
 * CRC-32C computed here bit by bit, apart from the table-driven one the read path uses.
 */

export interface BuiltRecord {
  readonly key: string | null;
  readonly value: string | null;
  /** Default: the record's index in the batch. */
  readonly offsetDelta?: number;
  /** Default: the record's index in the batch. May pass 32 bits. */
  readonly timestampDelta?: number;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

export interface BatchSpec {
  readonly baseOffset: number;
  readonly records: readonly BuiltRecord[];
  /** Default: the last record's offset delta (0 for an empty batch). */
  readonly lastOffsetDelta?: number;
  readonly producerId?: number;
  readonly transactional?: boolean;
  /** A control batch holding one marker. */
  readonly control?: 'abort' | 'commit';
  /** Codec id (1 gzip, 2 snappy, 3 lz4, 4 zstd) and the compressor that goes with it. */
  readonly compression?: { readonly codec: number; readonly compress: (body: Buffer) => Buffer };
  /** The batch's base timestamp; default 0. */
  readonly firstTimestamp?: number;
  /** A LogAppendTime batch: the broker's time, `maxTimestamp`, stands for every record. */
  readonly logAppendTime?: number;
  /** Overrides the magic byte, to build batches of another format. */
  readonly magic?: number;
}

function zigzag(value: number): number[] {
  let v = (value << 1) ^ (value >> 31);
  const out: number[] = [];
  v >>>= 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** A zigzag varlong of any safe integer. */
function zigzagLong(value: number): number[] {
  let v = BigInt(value) >= 0n ? BigInt(value) << 1n : (-BigInt(value) << 1n) - 1n;
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function bytesField(text: string | null): number[] {
  if (text === null) return zigzag(-1);
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...zigzag(bytes.length), ...bytes];
}

function controlKey(type: 'abort' | 'commit'): Buffer {
  return Buffer.from([0, 0, 0, type === 'abort' ? 0 : 1]);
}

/** The records section of a batch, uncompressed. */
export function recordsBody(spec: BatchSpec): Buffer {
  const parts: number[] = [];
  const records: readonly BuiltRecord[] = spec.control
    ? [{ key: null, value: null }]
    : spec.records;
  records.forEach((record, index) => {
    const key = spec.control ? [...zigzag(4), ...controlKey(spec.control)] : bytesField(record.key);
    const value = spec.control ? [...zigzag(6), 0, 0, 0, 0, 0, 0] : bytesField(record.value);
    const headers = record.headers ?? [];
    const body = [
      0, // attributes
      ...zigzagLong(record.timestampDelta ?? index),
      ...zigzag(record.offsetDelta ?? index),
      ...key,
      ...value,
      ...zigzag(headers.length),
      ...headers.flatMap(([k, v]) => [...bytesField(k), ...bytesField(v)]),
    ];
    parts.push(...zigzag(body.length), ...body);
  });
  return Buffer.from(parts);
}

export function recordBatch(spec: BatchSpec): Buffer {
  const count = spec.control ? 1 : spec.records.length;
  const lastDelta =
    spec.lastOffsetDelta ?? (count === 0 ? 0 : (spec.records[count - 1]?.offsetDelta ?? count - 1));
  let body = recordsBody(spec);
  let attributes = 0;
  if (spec.compression) {
    body = spec.compression.compress(body);
    attributes |= spec.compression.codec;
  }
  if (spec.transactional || spec.control) attributes |= 0x10;
  if (spec.control) attributes |= 0x20;
  if (spec.logAppendTime !== undefined) attributes |= 0x08;
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(BigInt(spec.baseOffset), 0);
  header.writeInt32BE(49 + body.length, 8); // everything after this field
  header.writeInt32BE(0, 12); // partition leader epoch
  header.writeInt8(spec.magic ?? 2, 16);
  header.writeUInt32BE(0, 17); // crc
  header.writeInt16BE(attributes, 21);
  header.writeInt32BE(lastDelta, 23);
  header.writeBigInt64BE(BigInt(spec.firstTimestamp ?? 0), 27);
  header.writeBigInt64BE(BigInt(spec.logAppendTime ?? 0), 35); // max timestamp
  header.writeBigInt64BE(BigInt(spec.producerId ?? -1), 43);
  header.writeInt16BE(0, 51); // producer epoch
  header.writeInt32BE(-1, 53); // base sequence
  header.writeInt32BE(count, 57);
  return withCrc(Buffer.concat([header, body]));
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one bit at a time. */
export function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Writes a batch's CRC over its bytes from the attributes on, as a producer does; in place. */
export function withCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32cBitwise(batch.subarray(21)), 17);
  return batch;
}
