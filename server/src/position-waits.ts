import type { Timers } from './environment.js';
import { validatePositiveInteger } from './kafka-table-options.js';
import type { KafkaSource } from './source/kafka-source.js';
import type { LogPosition, TablePosition } from './table-types.js';
import { Waiters, withTimeout } from './waiters.js';

/** What the waits read of their table. */
export interface PositionWaitsHost {
  readonly topic: string;
  readonly timers: Timers;
  readonly source: Pick<KafkaSource, 'offsets'>;
  /** The table's live position per partition (the same array, moved on as batches apply). */
  readonly positions: TablePosition;
  /** Whether the table is reading: started, not stopped, not failed. */
  readable(): boolean;
}

/**
 * A table's waits for a position: a client's position, a written record, or the topic's end.
 * Each resolves true once the table's position covers its target, and false on timeout, on stop
 * or on failure: none hangs.
 */
export class PositionWaits {
  readonly #host: PositionWaitsHost;
  readonly #waiters: Waiters;

  constructor(host: PositionWaitsHost) {
    this.#host = host;
    this.#waiters = new Waiters(host.timers);
  }

  /** Waits until the position covers `target` on every partition. */
  forPosition(target: TablePosition, timeoutMs: number): Promise<boolean> {
    validatePositiveInteger('timeoutMs', timeoutMs);
    if (!this.#host.readable()) return Promise.resolve(false);
    return this.#waiters.add(target, timeoutMs, this.#host.positions);
  }

  /** Waits until the record at `position` is applied. */
  forRecord(position: LogPosition, timeoutMs: number): Promise<boolean> {
    validatePositiveInteger('timeoutMs', timeoutMs);
    if (!Number.isInteger(position?.partition) || !Number.isInteger(position?.offset)) {
      throw new TypeError('waitFor needs a { partition, offset } position with integer fields.');
    }
    if (!this.#host.readable()) return Promise.resolve(false);
    const target = [] as number[];
    target[position.partition] = position.offset + 1;
    return this.#waiters.add(target, timeoutMs, this.#host.positions);
  }

  /** Waits until everything written before the call is applied. Costs one offsets request. */
  async forEnd(timeoutMs: number): Promise<boolean> {
    validatePositiveInteger('timeoutMs', timeoutMs);
    const host = this.#host;
    if (!host.readable()) return false;
    const deadline = performance.now() + timeoutMs;
    let offsets: Awaited<ReturnType<KafkaSource['offsets']>>;
    try {
      offsets = await withTimeout(host.timers, host.source.offsets(host.topic), timeoutMs);
    } catch {
      return false;
    }
    if (!host.readable()) return false;
    const target: number[] = [];
    for (const { partition, end } of offsets) target[partition] = end;
    const left = Math.max(1, Math.ceil(deadline - performance.now()));
    return this.#waiters.add(target, left, host.positions);
  }

  /** Settles the waits the table's position now covers; called after every applied batch. */
  check(): void {
    this.#waiters.check(this.#host.positions);
  }

  /** Resolves every wait with false: the table stopped or failed. */
  cancelAll(): void {
    this.#waiters.cancelAll();
  }
}
