/**
 * Exponential backoff with full jitter: delay = random(0, min(max, initial · 2^attempt)). Full
 * jitter spreads a fleet of clients reconnecting after a bridge restart over the whole window
 * instead of letting them arrive in waves.
 */
export class Backoff {
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(initialDelayMs: number, maxDelayMs: number, random: () => number) {
    this.#initialDelayMs = initialDelayMs;
    this.#maxDelayMs = maxDelayMs;
    this.#random = random;
  }

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The next delay; each call doubles the window until it reaches the maximum. */
  next(): number {
    // Capping the exponent keeps 2^attempt finite however long the outage lasts.
    const window = Math.min(
      this.#maxDelayMs,
      this.#initialDelayMs * 2 ** Math.min(this.#attempt, 30),
    );
    this.#attempt += 1;
    return Math.floor(this.#random() * window);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
