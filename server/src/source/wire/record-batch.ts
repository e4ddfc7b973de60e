import { TablecastError } from '../../errors.js';
import type { RawRecord, RecordHeader } from '../kafka-source.js';
import { decompress } from './compression.js';
import { crc32c } from './crc32c.js';

/** One entry of a fetch response's aborted_transactions list. */
export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
}

export interface DecodeOptions {
  /** Read each record's headers. Default false: most tables never look at them. */
  readonly headers?: boolean;
  /**
   * Check each batch's CRC-32C before reading it. Default true, as the Java consumer does
   * (librdkafka does not): the broker checked it on produce, but a log damaged on disk or a
   * proxy that mangles bytes would otherwise become wrong values with nothing said.
   */
  readonly checkCrcs?: boolean;
}

/**
 * A batch whose bytes do not give the CRC it carries. Unlike a batch that is malformed, it may
 * have been damaged on the way, so the reader fetches it again before it gives up.
 */
export class CrcMismatchError extends TablecastError {
  constructor(message: string) {
    super('KAFKA_PROTOCOL_ERROR', message);
  }
}

export interface DecodedRecords {
  readonly records: RawRecord[];
  /** One past the last offset of the last complete batch, or the fetch offset if none. */
  readonly nextOffset: number;
}

// Record batch v2 header (KIP-98): offsets of the fields this decoder reads.
const HEADER_SIZE = 61;
const MAGIC = 16;
const CRC = 17;
/** The CRC covers the batch from its attributes to its end. */
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const FIRST_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const RECORD_COUNT = 57;

const COMPRESSION_MASK = 0x07;
/** The broker stamped the batch: every record's time is the batch's max timestamp. */
const LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const ABORT_MARKER = 0;

/** Read position inside the batch being decoded; module-level so the varint reader inlines. */
let pos = 0;

function varint(buf: Buffer): number {
  let byte = buf[pos++]!;
  let value = byte & 0x7f;
  for (let shift = 7; byte & 0x80; shift += 7) {
    if (shift > 28) throw new RangeError('Varint too long.');
    byte = buf[pos++]!;
    value |= (byte & 0x7f) << shift;
  }
  return (value >>> 1) ^ -(value & 1);
}

/**
 * A zigzag varlong: timestamp deltas may pass 32 bits, so this one multiplies instead of
 * shifting. Up to 7 bytes (49 bits) stay exact in a double; longer ones (a producer may stamp any
 * time up to 2^63 - 1, so a batch's deltas may need all 10 bytes) go to {@link longVarlong}.
 */
function varlong(buf: Buffer): number {
  let byte = buf[pos++]!;
  let value = byte & 0x7f;
  let scale = 128;
  while (byte & 0x80) {
    if (scale === 2 ** 49) return longVarlong(buf, value);
    byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  }
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

/** The rest of a varlong past its 7th byte, read exactly and rounded to a double once. */
function longVarlong(buf: Buffer, low: number): number {
  let value = BigInt(low);
  let shift = 49n;
  let byte: number;
  do {
    if (shift > 63n) throw new RangeError('Varlong too long.');
    byte = buf[pos++]!;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  return Number((value >> 1n) ^ -(value & 1n));
}

function skipVarint(buf: Buffer): void {
  while (buf[pos++]! & 0x80) {}
}

function int64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

/**
 * Decodes the record batches of one partition of a fetch response into records whose key and
 * value are views of the response (or of the decompressed batch): nothing is copied.
 *
 * - The position advances over every complete batch, including empty ones (the log cleaner
 *   keeps a producer's last batch with no records in it), control batches and aborted ones.
 * - Records before `fetchOffset` (the start of the first batch) are skipped.
 * - A batch cut short at the end of the response is ignored; the next fetch starts at it.
 * - With `aborted` (read_committed), records of aborted transactions are dropped. Following the
 *   Java consumer: a producer id becomes aborted when the list says one of its transactions
 *   starts at or before the batch's last offset, and stops being aborted at its abort marker, so
 *   several aborted transactions of one producer are each dropped and its commits in between
 *   are kept.
 */
export function decodeRecordBatches(
  data: Buffer,
  fetchOffset: number,
  aborted: readonly AbortedTransaction[] | null,
  options: DecodeOptions = {},
): DecodedRecords {
  try {
    return decode(data, fetchOffset, aborted, options);
  } catch (error) {
    // A corrupt batch fails the same way however it is corrupt: reading it again gives the
    // same bytes, so an error the runtime threw (a varint too long, an offset out of range)
    // must not look transient and be fetched forever.
    if (error instanceof TablecastError) throw error;
    throw corrupt(`A record batch of the response could not be read (${String(error)})`, error);
  }
}

function corrupt(what: string, cause?: unknown): TablecastError {
  return new TablecastError(
    'KAFKA_PROTOCOL_ERROR',
    `${what}; the log or the response is corrupt.`,
    cause === undefined ? undefined : { cause },
  );
}

function decode(
  data: Buffer,
  fetchOffset: number,
  aborted: readonly AbortedTransaction[] | null,
  options: DecodeOptions,
): DecodedRecords {
  const withHeaders = options.headers === true;
  const checkCrcs = options.checkCrcs !== false;
  const records: RawRecord[] = [];
  let nextOffset = fetchOffset;
  const pending = aborted ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : [];
  let nextAborted = 0;
  const abortedProducers = new Set<number>();
  let at = 0;
  while (data.length - at >= HEADER_SIZE) {
    const baseOffset = int64(data, at);
    const length = data.readInt32BE(at + 8);
    if (length < HEADER_SIZE - 12) {
      throw corrupt(
        `The record batch at offset ${baseOffset} claims ${length} bytes, less than its header`,
      );
    }
    const end = at + 12 + length;
    if (end > data.length) break;
    if (data[at + MAGIC] !== 2) {
      throw new TablecastError(
        'KAFKA_PROTOCOL_ERROR',
        `The log holds a message set in format v${data[at + MAGIC]} at offset ${baseOffset}; tablecast reads format v2 (Kafka 0.11+) only. Rewrite the topic with a current producer.`,
      );
    }
    // Checked before any field it covers is believed, compressed bytes before they inflate.
    if (checkCrcs) checkCrc(data, at, end, baseOffset);
    const attributes = data.readInt16BE(at + ATTRIBUTES);
    const lastOffsetDelta = data.readInt32BE(at + LAST_OFFSET_DELTA);
    const lastOffset = baseOffset + lastOffsetDelta;
    const producerId = int64(data, at + PRODUCER_ID);
    const count = data.readInt32BE(at + RECORD_COUNT);
    if (lastOffsetDelta < 0 || count < 0) {
      throw corrupt(
        `The record batch at offset ${baseOffset} has a last offset delta of ${lastOffsetDelta} and ${count} records`,
      );
    }
    const batchStart = at;
    at = end;
    // Records before what this response already gave (a batch repeated, or one that goes back
    // in the log) are skipped like records before the fetch offset: a log only moves forward.
    const from = nextOffset;
    if (lastOffset + 1 > nextOffset) nextOffset = lastOffset + 1;
    if (count === 0 || lastOffset < from) continue;
    let body = data.subarray(batchStart + HEADER_SIZE, end);
    const codec = attributes & COMPRESSION_MASK;
    if (codec !== 0) body = decompress(codec, body);
    if (aborted !== null && producerId >= 0) {
      while (nextAborted < pending.length && pending[nextAborted]!.firstOffset <= lastOffset) {
        abortedProducers.add(pending[nextAborted++]!.producerId);
      }
      if (attributes & CONTROL) {
        if (controlType(body) === ABORT_MARKER) abortedProducers.delete(producerId);
        continue;
      }
      if (attributes & TRANSACTIONAL && abortedProducers.has(producerId)) continue;
    }
    if (attributes & CONTROL) continue;
    const firstTimestamp = int64(data, batchStart + FIRST_TIMESTAMP);
    const appendTime =
      attributes & LOG_APPEND_TIME ? int64(data, batchStart + MAX_TIMESTAMP) : undefined;
    readRecords(
      body,
      count,
      baseOffset,
      firstTimestamp,
      appendTime,
      lastOffset,
      from,
      withHeaders,
      records,
    );
  }
  return { records, nextOffset };
}

function checkCrc(data: Buffer, at: number, end: number, baseOffset: number): void {
  const stored = data.readUInt32BE(at + CRC);
  const computed = crc32c(data.subarray(at + ATTRIBUTES, end));
  if (computed !== stored) {
    const hex = (crc: number) => `0x${crc.toString(16).padStart(8, '0')}`;
    throw new CrcMismatchError(
      `The record batch at offset ${baseOffset} fails its CRC check (it says ${hex(stored)}, its bytes give ${hex(computed)}); the log or the response is corrupt.`,
    );
  }
}

function readRecords(
  body: Buffer,
  count: number,
  baseOffset: number,
  firstTimestamp: number,
  appendTime: number | undefined,
  lastOffset: number,
  from: number,
  withHeaders: boolean,
  into: RawRecord[],
): void {
  pos = 0;
  const past = () => corrupt(`A record in the batch at offset ${baseOffset} runs past its batch`);
  for (let i = 0; i < count; i++) {
    const length = varint(body);
    const end = pos + length;
    if (length < 0 || end > body.length) throw past();
    pos++; // attributes
    const timestamp = appendTime ?? firstTimestamp + varlong(body);
    if (appendTime !== undefined) skipVarint(body);
    const offset = baseOffset + varint(body);
    if (offset < baseOffset || offset > lastOffset) {
      throw corrupt(
        `A record of the batch at offsets ${baseOffset}–${lastOffset} says it is at offset ${offset}`,
      );
    }
    const keyLength = varint(body);
    let key: Buffer | null = null;
    if (keyLength < -1 || pos + keyLength > end) throw past();
    if (keyLength >= 0) {
      key = body.subarray(pos, pos + keyLength);
      pos += keyLength;
    }
    const valueLength = varint(body);
    if (valueLength < -1 || pos + valueLength > end) throw past();
    const value = valueLength < 0 ? null : body.subarray(pos, pos + valueLength);
    if (offset >= from) {
      if (withHeaders) {
        if (value !== null) pos += valueLength;
        into.push({ key, value, offset, timestamp, headers: readHeaders(body, end) });
      } else {
        into.push({ key, value, offset, timestamp });
      }
    }
    pos = end;
  }
}

/** A record's headers: a count, then per header a string key and nullable bytes, as views. */
function readHeaders(body: Buffer, end: number): RecordHeader[] {
  const headers: RecordHeader[] = [];
  const count = varint(body);
  // Each header takes at least two bytes (its two lengths), so a count the record cannot hold
  // is refused before anything is built for it.
  if (count < 0 || count * 2 > end - pos) throw corrupt(`A record says it has ${count} headers`);
  for (let n = count; n > 0; n--) {
    const keyLength = varint(body);
    if (keyLength < 0 || pos + keyLength > end)
      throw corrupt('A record header runs past its record');
    const key = body.toString('utf8', pos, pos + keyLength);
    pos += keyLength;
    const valueLength = varint(body);
    if (valueLength < -1 || pos + valueLength > end) {
      throw corrupt('A record header runs past its record');
    }
    headers.push({ key, value: valueLength < 0 ? null : body.subarray(pos, pos + valueLength) });
    if (valueLength > 0) pos += valueLength;
  }
  return headers;
}

/** The type of a control batch's marker: the key is int16 version, int16 type. */
function controlType(body: Buffer): number {
  pos = 0;
  varint(body); // length
  pos++; // attributes
  skipVarint(body); // timestamp delta
  varint(body); // offset delta
  const keyLength = varint(body);
  return keyLength >= 4 ? body.readInt16BE(pos + 2) : -1;
}
