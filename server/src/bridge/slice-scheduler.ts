/** Work that runs a slice at a time; `runSlice` returns whether it has more to do now. */
export interface SliceTask {
  runSlice(): boolean;
}

/**
 * Runs snapshot work for every socket round-robin, a slice each, then yields (setImmediate) so
 * Kafka batches and their deltas, and other sockets' messages, get in between. A turn lasts
 * `budgetMs`, or longer when the rest of the loop is slow: snapshot work gets `share` of the
 * time while it has any (the rest took T since the previous turn: this one may take
 * T × share ⁄ (1 − share), at most `maxBudgetMs`, 25 by default). With thousands of live
 * sockets a delta round can take hundreds of milliseconds, and a fixed few milliseconds per turn
 * would leave new subscribers waiting minutes for their snapshots; the share and the cap bound
 * what snapshot work (a subscribe flood included) adds to everybody's deltas.
 */
export class SliceScheduler {
  readonly #tasks = new Set<SliceTask>();
  readonly #defer: (run: () => void) => void;
  readonly #now: () => number;
  readonly #budgetMs: number;
  readonly #maxBudgetMs: number;
  readonly #otherShare: number;
  #scheduled = false;
  /** When the previous turn ended, if work was left for the next one. */
  #lastEnd: number | undefined;

  constructor(
    options: {
      defer?: (run: () => void) => void;
      now?: () => number;
      budgetMs?: number;
      maxBudgetMs?: number;
      share?: number;
    } = {},
  ) {
    this.#defer = options.defer ?? ((run) => setImmediate(run));
    this.#now = options.now ?? (() => performance.now());
    this.#budgetMs = options.budgetMs ?? 4;
    this.#maxBudgetMs = Math.max(this.#budgetMs, options.maxBudgetMs ?? 25);
    const share = options.share ?? 0.25;
    this.#otherShare = share / (1 - share);
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
    // After an idle spell the gap says nothing about the load: start from the plain budget.
    const others = this.#lastEnd === undefined ? 0 : start - this.#lastEnd;
    const budget = Math.min(this.#maxBudgetMs, Math.max(this.#budgetMs, others * this.#otherShare));
    do {
      for (const task of [...this.#tasks]) {
        if (!this.#tasks.has(task)) continue;
        if (!task.runSlice()) this.#tasks.delete(task);
      }
    } while (this.#tasks.size > 0 && this.#now() - start < budget);
    this.#lastEnd = this.#tasks.size > 0 ? this.#now() : undefined;
    this.#schedule();
  }
}
