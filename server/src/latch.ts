import type { Timers } from './environment.js';

interface Waiter {
  readonly resolve: (result: boolean) => void;
  readonly timer: unknown;
}

/**
 * A one-way flag that promises can wait for: `wait` resolves true once the latch opens, false
 * when it is cancelled or the wait times out. Settled once, it answers at once from then on, so
 * a wait never hangs.
 */
export class Latch {
  readonly #waiting = new Set<Waiter>();
  #result: boolean | undefined;

  constructor(private readonly timers: Timers) {}

  wait(timeoutMs: number): Promise<boolean> {
    if (this.#result !== undefined) return Promise.resolve(this.#result);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: this.timers.setTimeout(() => this.#settle(waiter, false), timeoutMs),
      };
      this.#waiting.add(waiter);
    });
  }

  /** Opens the latch: every wait, now and later, resolves true. */
  open(): void {
    this.#finish(true);
  }

  /** The latch will never open (stop, failure): every wait, now and later, resolves false. */
  cancel(): void {
    this.#finish(false);
  }

  #finish(result: boolean): void {
    if (this.#result !== undefined) return;
    this.#result = result;
    for (const waiter of this.#waiting) this.#settle(waiter, result);
  }

  #settle(waiter: Waiter, result: boolean): void {
    if (!this.#waiting.delete(waiter)) return;
    this.timers.clearTimeout(waiter.timer);
    waiter.resolve(result);
  }
}
