import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Waiters } from './waiters.js';

const timers = {
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

describe('Waiters', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves at once when the position is already reached', async () => {
    await expect(new Waiters(timers).add([5], 100, [5])).resolves.toBe(true);
  });

  it('resolves true when positions reach every partition target', async () => {
    const waiters = new Waiters(timers);
    const done = waiters.add([3, undefined as unknown as number, 2], 1000, [0, 0, 0]);
    waiters.check([3, 0, 1]);
    waiters.check([3, 0, 2]);
    await expect(done).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves false on timeout and clears its timer', async () => {
    const waiters = new Waiters(timers);
    const done = waiters.add([3], 50, [0]);
    vi.advanceTimersByTime(50);
    await expect(done).resolves.toBe(false);
    waiters.check([3]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves every waiter false on cancel', async () => {
    const waiters = new Waiters(timers);
    const all = [waiters.add([1], 1000, [0]), waiters.add([2], 1000, [0])];
    waiters.cancelAll();
    await expect(Promise.all(all)).resolves.toEqual([false, false]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
