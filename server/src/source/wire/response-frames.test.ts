import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ResponseFrames } from './response-frames.js';

/** Responses of the given sizes, random bytes each, and the stream that carries them. */
function stream(sizes: readonly number[]) {
  const frames = sizes.map((size) => randomBytes(size));
  const bytes = Buffer.concat(
    frames.flatMap((frame) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(frame.length);
      return [size, frame];
    }),
  );
  return { frames, bytes };
}

/** Whether `got` are exactly `expected`, byte for byte (toEqual walks a Buffer slowly). */
const same = (got: readonly Buffer[], expected: readonly Buffer[]) =>
  got.length === expected.length && got.every((g, i) => g.equals(expected[i]!));

function framer(maxSize = 1 << 30) {
  const got: Buffer[] = [];
  const refused: number[] = [];
  const frames = new ResponseFrames();
  frames.listen({
    frame: (frame) => got.push(frame),
    sizeOk: (size) => {
      if (size >= 4 && size <= maxSize) return true;
      refused.push(size);
      return false;
    },
  });
  return { frames, got, refused };
}

/**
 * Feeds `bytes` as a socket with `onread` does: each read fills at most what `target()` gave,
 * and at most `readSize(i)` bytes, the rest of the stream waiting in the kernel.
 */
function readAll(frames: ResponseFrames, bytes: Buffer, readSize: (i: number) => number) {
  const targets: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const target = frames.target();
    targets.push(target);
    const n = Math.min(target.length, readSize(i), bytes.length - at);
    bytes.copy(target, 0, at, at + n);
    at += n;
    frames.read(n, target);
  }
  return targets;
}

describe('ResponseFrames', () => {
  const sizes = [4, 5, 70_000, 4, 200_000, 17, 65_532, 65_536, 300_000, 8];

  it.each([
    ['one byte at a time', () => 1],
    ['reads of 3 bytes', () => 3],
    ['reads as large as the target', () => Number.MAX_SAFE_INTEGER],
    ['reads of random sizes', () => 1 + Math.floor(Math.random() * 100_000)],
  ])('cuts reads into the stream into its responses, %s', (_, readSize) => {
    const { frames: expected, bytes } = stream(sizes);
    const { frames, got } = framer();
    readAll(frames, bytes, readSize);
    expect(same(got, expected)).toBe(true);
  });

  it('reads the rest of a large response straight into it, not into scratch', () => {
    const { bytes } = stream([1_000_000]);
    const { frames, got } = framer();
    const [first, ...rest] = readAll(frames, bytes, () => 10_000);
    // The first read went to scratch (the size and the first bytes); every later one into the
    // response, at where the one before it ended.
    expect(got).toHaveLength(1);
    const response = got[0]!;
    expect(first!.buffer).not.toBe(response.buffer);
    expect(rest).toHaveLength(Math.ceil((1_000_004 - 10_000) / 10_000));
    for (const [i, target] of rest.entries()) {
      expect(target.buffer).toBe(response.buffer);
      expect(target.byteOffset - response.byteOffset).toBe(10_000 - 4 + i * 10_000);
    }
  });

  it('copies responses out of its scratch buffer, which the next read overwrites', () => {
    const { frames: expected, bytes } = stream([10, 20, 30]);
    const { frames, got } = framer();
    readAll(frames, bytes, () => Number.MAX_SAFE_INTEGER);
    expect(same(got, expected)).toBe(true);
    // Overwrite the scratch buffer as the next read would: the responses must not change.
    frames.target().fill(0xee);
    expect(same(got, expected)).toBe(true);
  });

  it('hands over views of chunks that are its to keep (TLS), responses split across them', () => {
    const { frames: expected, bytes } = stream(sizes);
    const { frames, got } = framer();
    for (let at = 0; at < bytes.length; at += 4_099) {
      frames.chunk(bytes.subarray(at, Math.min(bytes.length, at + 4_099)));
    }
    expect(same(got, expected)).toBe(true);
  });

  it('stops at a size its sink refuses, split over two reads or not, and frames nothing after', () => {
    for (const readSize of [() => 2, () => Number.MAX_SAFE_INTEGER]) {
      const bad = Buffer.alloc(4);
      bad.writeInt32BE(-5);
      const { bytes } = stream([8]);
      const { frames, got, refused } = framer();
      readAll(frames, Buffer.concat([bad, bytes]), readSize);
      expect(refused).toEqual([-5]);
      expect(got).toEqual([]);
    }
  });

  it('drops a half-read response at stop() and ignores reads still under way', () => {
    const { bytes } = stream([100]);
    const { frames, got } = framer();
    const first = frames.target();
    bytes.copy(first, 0, 0, 50);
    frames.read(50, first);
    const inFlight = frames.target();
    frames.stop();
    bytes.copy(inFlight, 0, 50);
    frames.read(54, inFlight);
    expect(got).toEqual([]);
  });
});
