import type { Timers } from './environment.js';
import { Latch } from './latch.js';

/**
 * A table's catch-up with the end offsets it saw at start: whether and when it happened, how
 * many records it had replayed by then (for stats), and the latch `whenCaughtUp` waits on.
 */
export class CatchUp {
  readonly #latch: Latch;
  #startedAt = 0;
  #reached = false;
  #seconds: number | null = null;
  #replayed: number | null = null;

  constructor(timers: Timers) {
    this.#latch = new Latch(timers);
  }

  get reached(): boolean {
    return this.#reached;
  }

  /** Seconds from start to catch-up; null before it. */
  get seconds(): number | null {
    return this.#seconds;
  }

  /** Records applied at catch-up; null before it. */
  get replayed(): number | null {
    return this.#replayed;
  }

  /** The table starts replaying now. */
  start(): void {
    this.#startedAt = performance.now();
  }

  /**
   * Records the catch-up, once: false when it was recorded before. Waiters are let go
   * separately, by {@link open}, so the table can publish its status first.
   */
  reach(recordsApplied: number): boolean {
    if (this.#reached) return false;
    this.#reached = true;
    this.#seconds = (performance.now() - this.#startedAt) / 1000;
    this.#replayed = recordsApplied;
    return true;
  }

  /** Resolves every wait, now and later, with true. */
  open(): void {
    this.#latch.open();
  }

  /** Resolves true once open, false on timeout or once cancelled. */
  wait(timeoutMs: number): Promise<boolean> {
    return this.#latch.wait(timeoutMs);
  }

  /** Resolves every wait, now and later, with false: the table stopped or failed. */
  cancel(): void {
    this.#latch.cancel();
  }
}
