import type { Timers } from '../../../shared/src/timers.js';
import type { TableChange } from '../table-types.js';

/** How a coalescer spaces a table's deltas; see {@link DeltaCoalescer}. */
export interface DeltaPacing {
  readonly timers: Timers;
  /** A monotonic clock in ms. */
  readonly now: () => number;
  /** The longest a change may be held back to space deltas out. */
  readonly maxDelayMs: number;
}

/**
 * Gathers a table's changes into deltas, compacted to the last change per key (I11); a delta
 * carries the table's position when it goes out.
 *
 * Adaptive: when sending a table's deltas is cheap (few sockets) a batch goes out on the next
 * turn of the event loop (setImmediate: after this turn's I/O callbacks, no timer delay), and
 * every batch applied in that turn shares the frame. When it is not, the next delta of that
 * table waits at least as long as the last one took to send (capped by `maxDelayMs`), and what
 * arrives meanwhile shares it. With thousands of sockets and a fetch response every millisecond,
 * a delta per response would mean a write per socket per response and a loop that never catches
 * up; spaced out, fan-out takes at most about half of the loop and a change waits at most about
 * one fan-out's time before it is sent.
 */
export class DeltaCoalescer {
  readonly #pending = new Map<string, TableChange<unknown>[]>();
  readonly #scheduled = new Map<string, { immediate?: NodeJS.Immediate; timer?: unknown }>();
  /** Per table, when its next delta may go out (ms on the pacing clock). */
  readonly #notBefore = new Map<string, number>();
  readonly #send: (table: string, changes: readonly TableChange<unknown>[]) => void;
  readonly #pacing: DeltaPacing | undefined;

  constructor(
    send: (table: string, changes: readonly TableChange<unknown>[]) => void,
    pacing?: DeltaPacing,
  ) {
    this.#send = send;
    this.#pacing = pacing;
  }

  add(table: string, changes: readonly TableChange<unknown>[]): void {
    const pending = this.#pending.get(table);
    if (pending !== undefined) {
      for (const change of changes) pending.push(change);
      return;
    }
    this.#pending.set(table, [...changes]);
    const pacing = this.#pacing;
    const wait =
      pacing === undefined
        ? 0
        : Math.min(pacing.maxDelayMs, (this.#notBefore.get(table) ?? 0) - pacing.now());
    if (pacing !== undefined && wait >= 1) {
      this.#scheduled.set(table, {
        timer: pacing.timers.setTimeout(() => this.flush(table), wait),
      });
    } else {
      this.#scheduled.set(table, { immediate: setImmediate(() => this.flush(table)) });
    }
  }

  /** Sends what is pending for `table` now: before a status, so the data comes first (I4). */
  flush(table: string): void {
    const pending = this.#pending.get(table);
    if (pending === undefined) return;
    this.#pending.delete(table);
    this.#cancel(table);
    const pacing = this.#pacing;
    if (pacing === undefined) {
      this.#send(table, compact(pending));
      return;
    }
    const started = pacing.now();
    this.#send(table, compact(pending));
    const ended = pacing.now();
    this.#notBefore.set(table, ended + (ended - started));
  }

  close(): void {
    for (const table of [...this.#scheduled.keys()]) this.#cancel(table);
    this.#pending.clear();
  }

  #cancel(table: string): void {
    const scheduled = this.#scheduled.get(table);
    if (scheduled === undefined) return;
    this.#scheduled.delete(table);
    if (scheduled.immediate !== undefined) clearImmediate(scheduled.immediate);
    if (scheduled.timer !== undefined) this.#pacing?.timers.clearTimeout(scheduled.timer);
  }
}

/** The last change of every key, in the order those last changes were made. */
function compact(changes: TableChange<unknown>[]): readonly TableChange<unknown>[] {
  const last = new Map<string, TableChange<unknown>>();
  for (const change of changes) {
    last.delete(change.key);
    last.set(change.key, change);
  }
  return last.size === changes.length ? changes : [...last.values()];
}
