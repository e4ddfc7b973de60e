import { describe, expect, it } from 'vitest';
import { SliceScheduler } from './slice-scheduler.js';
import { TokenBucket } from './token-bucket.js';

describe('SliceScheduler', () => {
  it('runs tasks round-robin, a slice each, and yields once a turn used its budget', () => {
    const deferred: Array<() => void> = [];
    let now = 0;
    const scheduler = new SliceScheduler({
      defer: (run) => deferred.push(run),
      now: () => now,
      budgetMs: 3,
    });
    const ran: string[] = [];
    const task = (name: string, slices: number) => ({
      runSlice: () => {
        ran.push(name);
        now += 1;
        return --slices > 0;
      },
    });
    scheduler.add(task('a', 3));
    scheduler.add(task('b', 1));
    expect(ran).toEqual([]);
    deferred.shift()!();
    // One round (a, b) took 2 ms, a second round of a alone reached 3 ms: the turn yields.
    expect(ran).toEqual(['a', 'b', 'a']);
    expect(deferred).toHaveLength(1);
    deferred.shift()!();
    expect(ran).toEqual(['a', 'b', 'a', 'a']);
    expect(deferred).toHaveLength(0);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    now += 499;
    expect(bucket.take()).toBe(false);
    now += 1;
    expect(bucket.take()).toBe(true);
    now += 10_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});
