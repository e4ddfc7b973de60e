import { describe, expect, it } from 'vitest';
import { CatchUpGate } from './catch-up-gate.js';

describe('CatchUpGate', () => {
  it('is open at once for empty partitions', () => {
    expect(
      new CatchUpGate(
        [
          [0, 0],
          [1, 5],
        ],
        [0, 5],
      ).open,
    ).toBe(true);
  });

  it('opens when every partition position reaches its target, in any order', () => {
    const gate = new CatchUpGate(
      [
        [0, 10],
        [1, 4],
      ],
      [0, 0],
    );
    expect(gate.open).toBe(false);
    expect(gate.advance(1, 4)).toBe(false);
    expect(gate.advance(0, 9)).toBe(false);
    expect(gate.advance(0, 12)).toBe(true);
    expect(gate.open).toBe(true);
  });

  it('ignores partitions that were not there at start', () => {
    const gate = new CatchUpGate([[0, 3]], [0]);
    expect(gate.advance(7, 100)).toBe(false);
    expect(gate.remaining([1])).toEqual([{ partition: 0, position: 1, target: 3 }]);
  });

  it('treats a position past the target (a marker at the end) as caught up', () => {
    const gate = new CatchUpGate([[0, 3]], [0]);
    expect(gate.advance(0, 4)).toBe(true);
  });
});
