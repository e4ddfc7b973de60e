/** Work that runs a slice at a time; `runSlice` returns whether it has more to do now. */
export interface SliceTask {
  runSlice(): boolean;
}

/**
 * Runs snapshot work for every socket round-robin, a slice each, for at most `budgetMs` per
 * turn of the event loop, then yields (setImmediate) so Kafka batches and their deltas, and
 * other sockets' messages, get in between. One socket with many snapshots to produce therefore
 * delays everybody's deltas by at most one turn's budget.
 */
export class SliceScheduler {
  readonly #tasks = new Set<SliceTask>();
  readonly #defer: (run: () => void) => void;
  readonly #now: () => number;
  readonly #budgetMs: number;
  #scheduled = false;

  constructor(
    options: {
      defer?: (run: () => void) => void;
      now?: () => number;
      budgetMs?: number;
    } = {},
  ) {
    this.#defer = options.defer ?? ((run) => setImmediate(run));
    this.#now = options.now ?? (() => performance.now());
    this.#budgetMs = options.budgetMs ?? 4;
  }

  add(task: SliceTask): void {
    this.#tasks.add(task);
    this.#schedule();
  }

  delete(task: SliceTask): void {
    this.#tasks.delete(task);
  }

  #schedule(): void {
    if (this.#scheduled || this.#tasks.size === 0) return;
    this.#scheduled = true;
    this.#defer(() => {
      this.#scheduled = false;
      this.#turn();
    });
  }

  #turn(): void {
    const start = this.#now();
    do {
      for (const task of [...this.#tasks]) {
        if (!this.#tasks.has(task)) continue;
        if (!task.runSlice()) this.#tasks.delete(task);
      }
    } while (this.#tasks.size > 0 && this.#now() - start < this.#budgetMs);
    this.#schedule();
  }
}
