import type { Timers } from '../environment.js';

/** How often a socket that waits for room in its send budget is looked at again. */
const POLL_MS = 50;

export interface DrainEvents {
  hasRoom(): boolean;
  /** There may be room again. */
  room(): void;
  /** A wait began (for the metrics). */
  stalled(): void;
  /** The wait made no progress for `timeoutMs`. */
  tooLong(): void;
}

/**
 * Waits for a socket's send buffer to drain: on the flush of a frame it sent, or at the latest
 * on the next poll. A wait that makes no progress for `timeoutMs` calls `tooLong` (the
 * connection closes with 4008).
 */
export class DrainWatch {
  readonly #timers: Timers;
  readonly #timeoutMs: number;
  readonly #on: DrainEvents;
  #poll: unknown;
  #deadline: unknown;

  constructor(timers: Timers, timeoutMs: number, on: DrainEvents) {
    this.#timers = timers;
    this.#timeoutMs = timeoutMs;
    this.#on = on;
  }

  /** There is work and no room: wait for the buffer to drain. */
  wait(): void {
    if (this.#deadline === undefined) {
      this.#on.stalled();
      this.#deadline = this.#timers.setTimeout(() => {
        this.#deadline = undefined;
        this.#on.tooLong();
      }, this.#timeoutMs);
    }
    if (this.#poll !== undefined) return;
    this.#poll = this.#timers.setTimeout(() => {
      this.#poll = undefined;
      this.#on.room();
    }, POLL_MS);
  }

  /** Whether a wait is on: the socket has work and no room, and its stall clock runs. */
  get waiting(): boolean {
    return this.#deadline !== undefined;
  }

  /** A frame sent while waiting left the process: maybe there is room now. */
  flushed(): void {
    if (this.#deadline !== undefined && this.#on.hasRoom()) this.#on.room();
  }

  /** Work went out: the wait, if any, is over. */
  progress(): void {
    if (this.#deadline !== undefined) this.#timers.clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  dispose(): void {
    if (this.#poll !== undefined) this.#timers.clearTimeout(this.#poll);
    this.#poll = undefined;
    this.progress();
  }
}
