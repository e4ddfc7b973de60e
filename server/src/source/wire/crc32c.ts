import { createRequire } from 'node:module';
import sheetjsCrc32c from 'crc-32/crc32c';

const require = createRequire(import.meta.url);

/** CRC-32C (Castagnoli) of `bytes`, unsigned: SheetJS's pure JavaScript, slicing by 16. */
export function crc32cPure(bytes: Uint8Array): number {
  return sheetjsCrc32c.buf(bytes) >>> 0;
}

/**
 * The same through the CPU's CRC instruction (@node-rs/crc32), or undefined where its prebuilt
 * binary does not fit the platform. It is ~3.5× as fast: a 1M-record catch-up spends ~0.04 s
 * in it against ~0.17 s in JavaScript (docs/BENCHMARKS.md).
 */
export const crc32cNative = loadNative();

function loadNative(): ((bytes: Buffer) => number) | undefined {
  try {
    const binding = require('@node-rs/crc32') as { crc32c(input: Buffer): number };
    return (bytes) => binding.crc32c(bytes);
  } catch {
    return undefined;
  }
}

/** CRC-32C of a batch's bytes: native where it loads, pure JavaScript elsewhere. */
export const crc32c: (bytes: Buffer) => number = crc32cNative ?? crc32cPure;
