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

  it('gives snapshot work its share of a busy loop, within the cap', () => {
    const deferred: Array<() => void> = [];
    let now = 0;
    const scheduler = new SliceScheduler({
      defer: (run) => deferred.push(run),
      now: () => now,
      budgetMs: 4,
      maxBudgetMs: 100,
      share: 0.25,
    });
    let slices = 0;
    scheduler.add({
      runSlice: () => {
        slices++;
        now += 1;
        return true;
      },
    });
    deferred.shift()!();
    expect(slices).toBe(4);
    // Deltas to thousands of sockets took 300 ms before the next turn: a quarter of the
    // time is 100 ms of snapshot work.
    now += 300;
    deferred.shift()!();
    expect(slices).toBe(4 + 100);
    // 1 s of other work would allow 333 ms: the cap keeps a turn to 100 ms.
    now += 1_000;
    deferred.shift()!();
    expect(slices).toBe(4 + 100 + 100);
    // A quick loop: back to the plain budget.
    now += 1;
    deferred.shift()!();
    expect(slices).toBe(4 + 100 + 100 + 4);
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
