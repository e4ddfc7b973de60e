import type { Position } from '../../shared/src/protocol/messages.js';
import type { TimerFunctions } from './client-options.js';
import type { WriteReceipt } from './pending-writes.js';

interface Waiter {
  readonly receipt: WriteReceipt;
  readonly resolve: (shown: boolean) => void;
  readonly timer: unknown;
}

/** Whether a map at `position` already holds the write at `receipt`. */
export function shows(position: Position | undefined, receipt: WriteReceipt): boolean {
  return (
    position !== undefined &&
    position.topicId === receipt.topicId &&
    (position.offsets[receipt.partition] ?? 0) > receipt.offset
  );
}

/**
 * Writes waiting to show in one handle's map (read-your-writes): each resolves true once the
 * handle has applied a position past the write, false on timeout or when the handle goes away.
 */
export class AppliedWaiters {
  readonly #waiters = new Set<Waiter>();

  constructor(readonly timers: TimerFunctions) {}

  add(position: Position | undefined, receipt: WriteReceipt, timeoutMs: number): Promise<boolean> {
    if (shows(position, receipt)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        receipt,
        resolve,
        timer: this.timers.setTimeout(() => {
          this.#waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** The handle applied a snapshot or delta and is now at `position`. */
  check(position: Position | undefined): void {
    for (const waiter of this.#waiters) {
      if (!shows(position, waiter.receipt)) continue;
      this.#waiters.delete(waiter);
      this.timers.clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
  }

  clear(): void {
    for (const waiter of this.#waiters) {
      this.timers.clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.#waiters.clear();
  }
}
