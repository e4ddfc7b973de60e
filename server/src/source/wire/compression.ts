import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { Decompress as FzstdStream } from 'fzstd';
import { TablecastError } from '../../errors.js';

// Pure-JS decoders, so installing tablecast never needs a compiler or a per-platform binary.
const require = createRequire(import.meta.url);
const snappyjs = require('snappyjs') as {
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
};
const lz4js = require('lz4js') as {
  decompress(data: Uint8Array, maxSize?: number): Uint8Array;
  decompressBound(data: Uint8Array): number;
};

/** Node ≥ 22.15 has zstd in zlib; older Nodes fall back to fzstd. */
const nodeZstd = (
  zlib as {
    zstdDecompressSync?: (data: Uint8Array, options: { maxOutputLength: number }) => Buffer;
  }
).zstdDecompressSync;

/**
 * The most one compressed batch may inflate to. A producer can write a record of hundreds of
 * megabytes that compresses to a few kilobytes, and a broken peer can send any bytes: past this
 * the batch fails the table (KAFKA_PROTOCOL_ERROR) instead of the process running out of memory.
 * Batches are rarely a few megabytes; a table's values are capped far lower (`maxValueBytes`).
 */
export const MAX_INFLATED_BATCH_BYTES = 256 * 1024 * 1024;

class InflatesTooFar extends Error {
  constructor(cap: number, size?: number) {
    super(
      `it inflates to ${size === undefined ? 'more than' : `${size} bytes, over`} ${cap} bytes`,
    );
  }
}

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Snappy as Kafka clients write it: the Java client wraps blocks in xerial's framing (an 8-byte
 * magic, two int32 versions, then int32-length-prefixed raw blocks); librdkafka writes one raw
 * block. Both are read.
 */
function unsnappy(data: Buffer, cap: number): Buffer {
  if (data.length < 16 || !data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return asBuffer(snappyjs.uncompress(data, cap));
  }
  const blocks: Buffer[] = [];
  for (let at = 16; at + 4 <= data.length; ) {
    const size = data.readInt32BE(at);
    at += 4;
    blocks.push(asBuffer(snappyjs.uncompress(data.subarray(at, at + size), room(blocks, cap))));
    at += size;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
}

/** What the blocks so far leave of the cap. */
function room(blocks: readonly Buffer[], cap: number): number {
  let used = 0;
  for (const block of blocks) used += block.length;
  if (used > cap) throw new InflatesTooFar(cap);
  return cap - used;
}

function unlz4(data: Buffer, cap: number): Buffer {
  // The frame's declared content size, or a bound from its block sizes: known before inflating.
  const bound = lz4js.decompressBound(data);
  if (bound > cap) throw new InflatesTooFar(cap, bound);
  return asBuffer(lz4js.decompress(data, bound));
}

/** fzstd as a stream, so a frame that says nothing of its size is stopped at the cap too. */
function fzstd(data: Buffer, cap: number): Buffer {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = new FzstdStream((chunk) => {
    size += chunk.length;
    if (size > cap) throw new InflatesTooFar(cap);
    chunks.push(chunk);
  });
  stream.push(data, true);
  return Buffer.concat(chunks, size);
}

/** The records section of a compressed batch, decompressed; at most `cap` bytes of it. */
export function decompress(codec: number, data: Buffer, cap = MAX_INFLATED_BATCH_BYTES): Buffer {
  try {
    switch (codec) {
      case Compression.gzip:
        return zlib.gunzipSync(data, { maxOutputLength: cap });
      case Compression.snappy:
        return unsnappy(data, cap);
      case Compression.lz4:
        return unlz4(data, cap);
      case Compression.zstd:
        return nodeZstd ? nodeZstd(data, { maxOutputLength: cap }) : fzstd(data, cap);
    }
  } catch (error) {
    throw new TablecastError(
      'KAFKA_PROTOCOL_ERROR',
      `A record batch compressed with ${codecName(codec)} could not be decompressed (${String(error)}).`,
      { cause: error },
    );
  }
  throw new TablecastError(
    'KAFKA_PROTOCOL_ERROR',
    `A record batch uses compression codec ${codec}, which Kafka does not define; the log may be corrupt.`,
  );
}

function codecName(codec: number): string {
  return Object.entries(Compression).find(([, c]) => c === codec)?.[0] ?? `codec ${codec}`;
}
