import type { Logger } from './environment.js';
import type { ValueFailure } from './stored-value.js';
import type { RejectedValue } from './table-state.js';

const DEFAULT_INTERVAL_MS = 10_000;
const MAX_LOGGED_KEY = 100;

/** What each failure means, and what to do about it. */
const EXPLAINED: Record<ValueFailure, { readonly why: string; readonly fix: string }> = {
  decode: { why: 'its value does not decode', fix: 'Fix the producer' },
  encode: {
    why: 'its value has no wire form, so clients could not receive it',
    fix: 'Fix the producer',
  },
  size: {
    why: 'its value is too large',
    fix: "Raise the table's maxValueBytes or fix the producer",
  },
};

/**
 * Logs rejected values at a bounded rate: one line, then at most one every `intervalMs`, saying
 * how many went unlogged in between. A topic full of poison records must not flood the log; the
 * table's stats count every one.
 */
export class RejectedValueLog {
  #lastAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  constructor(
    private readonly logger: Logger,
    private readonly topic: string,
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  report(rejected: RejectedValue): void {
    const at = this.now();
    if (at - this.#lastAt < this.intervalMs) {
      this.#unlogged++;
      return;
    }
    this.#lastAt = at;
    const { why, fix } = EXPLAINED[rejected.failure];
    this.logger.warn(
      `Table "${this.topic}" kept the previous value of key ${JSON.stringify(shorten(rejected.key))}: ${why} (${describe(rejected.error)}). ${fix}; the table's stats count every such record.`,
      {
        partition: rejected.partition,
        offset: rejected.offset,
        failure: rejected.failure,
        unloggedSinceLast: this.#unlogged,
      },
    );
    this.#unlogged = 0;
  }
}

function shorten(key: string): string {
  return key.length <= MAX_LOGGED_KEY ? key : `${key.slice(0, MAX_LOGGED_KEY)}…`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
