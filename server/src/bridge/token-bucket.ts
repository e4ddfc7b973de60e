/**
 * A rate limit that allows bursts: `capacity` tokens, refilled at `perSecond`. Time comes from
 * `now` (milliseconds) so tests can drive it.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly perSecond: number,
    readonly capacity: number,
    readonly now: () => number = () => performance.now(),
  ) {
    this.#tokens = capacity;
    this.#at = now();
  }

  /** Takes a token if one is left. */
  take(): boolean {
    const now = this.now();
    this.#tokens = Math.min(
      this.capacity,
      this.#tokens + ((now - this.#at) * this.perSecond) / 1000,
    );
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
