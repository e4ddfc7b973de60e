import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import { TablecastError } from '../../errors.js';

// Pure-JS decoders, so installing tablecast never needs a compiler or a per-platform binary.
const require = createRequire(import.meta.url);
const snappyjs = require('snappyjs') as { uncompress(data: Uint8Array): Uint8Array };
const lz4js = require('lz4js') as { decompress(data: Uint8Array): Uint8Array };

/** Node ≥ 22.15 has zstd in zlib; older Nodes fall back to fzstd. */
const nodeZstd = (zlib as { zstdDecompressSync?: (data: Uint8Array) => Buffer }).zstdDecompressSync;

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
function unsnappy(data: Buffer): Buffer {
  if (data.length < 16 || !data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return asBuffer(snappyjs.uncompress(data));
  }
  const blocks: Buffer[] = [];
  for (let at = 16; at + 4 <= data.length; ) {
    const size = data.readInt32BE(at);
    at += 4;
    blocks.push(asBuffer(snappyjs.uncompress(data.subarray(at, at + size))));
    at += size;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
}

/** The records section of a compressed batch, decompressed. */
export function decompress(codec: number, data: Buffer): Buffer {
  try {
    switch (codec) {
      case Compression.gzip:
        return zlib.gunzipSync(data);
      case Compression.snappy:
        return unsnappy(data);
      case Compression.lz4:
        return asBuffer(lz4js.decompress(data));
      case Compression.zstd:
        return nodeZstd ? nodeZstd(data) : asBuffer(fzstdDecompress(data));
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
