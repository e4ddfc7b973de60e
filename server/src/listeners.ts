import type { Logger } from './environment.js';

/**
 * A set of callbacks that are called in turn, each guarded: one that throws is logged and the
 * others still run, so one faulty listener cannot take a change or a status away from the rest.
 */
export class Listeners<A extends unknown[]> {
  readonly #listeners = new Set<(...args: A) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly details: Record<string, unknown>,
  ) {}

  get size(): number {
    return this.#listeners.size;
  }

  /** Returns an unsubscribe function. */
  add(listener: (...args: A) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(...args: A): void {
    // A copy: a listener may unsubscribe itself or others while being called.
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch (error) {
        this.logger.error(`A ${this.what} listener threw; the table goes on.`, {
          ...this.details,
          error,
        });
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
