import { describe, expect, it } from 'vitest';
import type { Position } from './messages.js';
import { positionCovers, samePosition, tablePosition } from './position.js';

const at = (offsets: number[], topicId = 't1'): Position => ({ topicId, offsets });

describe('positionCovers', () => {
  it('is true at the same position and past it, false behind it', () => {
    expect(positionCovers(at([5, 7]), at([5, 7]))).toBe(true);
    expect(positionCovers(at([6, 7]), at([5, 7]))).toBe(true);
    expect(positionCovers(at([5, 6]), at([5, 7]))).toBe(false);
  });

  it('needs every partition at or past: ahead in one does not make up for behind in another', () => {
    expect(positionCovers(at([9, 0]), at([5, 1]))).toBe(false);
  });

  it('is false for another topic, even one far ahead', () => {
    expect(positionCovers(at([100], 't2'), at([1], 't1'))).toBe(false);
  });

  it('ignores partitions only a has (partitions were added after b)', () => {
    expect(positionCovers(at([5, 7, 3]), at([5, 7]))).toBe(true);
  });

  it('counts partitions a lacks as offset 0', () => {
    expect(positionCovers(at([5]), at([5, 0]))).toBe(true);
    expect(positionCovers(at([5]), at([5, 1]))).toBe(false);
    expect(positionCovers(at([]), at([0, 0]))).toBe(true);
  });
});

describe('samePosition', () => {
  it('is true only for the same offsets of the same topic', () => {
    expect(samePosition(at([1, 2]), at([1, 2]))).toBe(true);
    expect(samePosition(at([1, 2]), at([1, 3]))).toBe(false);
    expect(samePosition(at([1, 2], 'a'), at([1, 2], 'b'))).toBe(false);
  });

  it('treats trailing zero partitions as absent', () => {
    expect(samePosition(at([5]), at([5, 0]))).toBe(true);
    expect(samePosition(at([5, 0]), at([5]))).toBe(true);
    expect(samePosition(at([5]), at([5, 2]))).toBe(false);
  });
});

describe('tablePosition', () => {
  it("uses the topic ID, or the topic's name when the ID is unknown", () => {
    expect(tablePosition({ topic: 'orders', topicId: 'Qx3', position: [4, 2] })).toEqual({
      topicId: 'Qx3',
      offsets: [4, 2],
    });
    expect(tablePosition({ topic: 'orders', topicId: undefined, position: [1] })).toEqual({
      topicId: 'orders',
      offsets: [1],
    });
  });
});
