import type { Timers } from './environment.js';

interface Waiter {
  /** Required position per partition (index = partition; holes mean no requirement). */
  readonly target: readonly number[];
  readonly resolve: (reached: boolean) => void;
  readonly timer: unknown;
}

/** Promises that resolve when the table's positions reach a target, or false on timeout. */
export class Waiters {
  readonly #waiting = new Set<Waiter>();

  constructor(private readonly timers: Timers) {}

  add(
    target: readonly number[],
    timeoutMs: number,
    positions: readonly number[],
  ): Promise<boolean> {
    if (reached(target, positions)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        target,
        resolve,
        timer: this.timers.setTimeout(() => this.#settle(waiter, false), timeoutMs),
      };
      this.#waiting.add(waiter);
    });
  }

  check(positions: readonly number[]): void {
    if (this.#waiting.size === 0) return;
    for (const waiter of this.#waiting) {
      if (reached(waiter.target, positions)) this.#settle(waiter, true);
    }
  }

  /** Resolves every waiter with false: the table stopped or failed. */
  cancelAll(): void {
    for (const waiter of this.#waiting) this.#settle(waiter, false);
  }

  #settle(waiter: Waiter, result: boolean): void {
    if (!this.#waiting.delete(waiter)) return;
    this.timers.clearTimeout(waiter.timer);
    waiter.resolve(result);
  }
}

function reached(target: readonly number[], positions: readonly number[]): boolean {
  for (let partition = 0; partition < target.length; partition++) {
    const required = target[partition];
    if (required !== undefined && required > 0 && (positions[partition] ?? 0) < required)
      return false;
  }
  return true;
}

/** `promise`, or a rejection after `ms` when it has not settled by then. */
export function withTimeout<T>(timers: Timers, promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const handle = timers.setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => {
        timers.clearTimeout(handle);
        resolve(value);
      },
      (error: unknown) => {
        timers.clearTimeout(handle);
        reject(error);
      },
    );
  });
}
