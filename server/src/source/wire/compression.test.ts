import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Compression, decompress } from './compression.js';

const require = createRequire(import.meta.url);
const snappyjs = require('snappyjs') as { compress(data: Uint8Array): Uint8Array };
const lz4js = require('lz4js') as { compress(data: Uint8Array): Uint8Array };

const MIB = 1024 * 1024;
const zeros = Buffer.alloc(2 * MIB);

/** Java's snappy framing: magic, two versions, then sized raw blocks (here two of 1 MiB). */
function xerial(data: Buffer): Buffer {
  const blocks = [data.subarray(0, MIB), data.subarray(MIB)].map((b) => {
    const block = Buffer.from(snappyjs.compress(b));
    const size = Buffer.alloc(4);
    size.writeInt32BE(block.length);
    return Buffer.concat([size, block]);
  });
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  return Buffer.concat([header, ...blocks]);
}

// 2 MiB of zeros, compressed by the zstd command line tool: from stdin (the frame does not say
// its size) and from a file (it does).
const ZSTD_UNSIZED =
  '28b52ffd04684c000008000100fcff391002020010000200100002001000020010000200100002001000020010000200100002001000020010000200100002001000020010000200100003001000db238ef8';
const ZSTD_SIZED =
  '28b52ffda4000020004c000008000100fcff391002020010000200100002001000020010000200100002001000020010000200100002001000020010000200100002001000020010000200100003001000db238ef8';

describe('decompress: a batch inflates at most to its cap', () => {
  it.each([
    ['gzip', Compression.gzip, gzipSync(zeros)],
    ['snappy, one raw block', Compression.snappy, Buffer.from(snappyjs.compress(zeros))],
    ['snappy, xerial framing', Compression.snappy, xerial(zeros)],
    ['lz4 frame', Compression.lz4, Buffer.from(lz4js.compress(zeros))],
    ['zstd, size not in the frame', Compression.zstd, Buffer.from(ZSTD_UNSIZED, 'hex')],
    ['zstd, size in the frame', Compression.zstd, Buffer.from(ZSTD_SIZED, 'hex')],
  ] as const)('%s: whole under the cap, KAFKA_PROTOCOL_ERROR past it', (_, codec, data) => {
    // lz4js frames use 4 MiB blocks, and a frame without its size is bounded by its blocks.
    expect(decompress(codec, data, 16 * MIB).equals(zeros)).toBe(true);
    expect(() => decompress(codec, data, MIB)).toThrow(
      expect.objectContaining({
        code: 'KAFKA_PROTOCOL_ERROR',
        message: expect.stringMatching(/could not be decompressed/),
      }),
    );
  });
});
