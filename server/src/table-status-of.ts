import type { TableStatus } from './table-types.js';

/** What a table's status is made of. */
export interface TableStatusFacts {
  readonly failed: boolean;
  readonly started: boolean;
  readonly caughtUp: boolean;
  /** The catch-up timeout passed before catch-up. */
  readonly timedOut: boolean;
}

/** A table's status; precedence failed > unstarted > caught_up > degraded > loading. */
export function tableStatusOf(facts: TableStatusFacts): TableStatus {
  if (facts.failed) return 'failed';
  if (!facts.started) return 'unstarted';
  if (facts.caughtUp) return 'caught_up';
  return facts.timedOut ? 'degraded' : 'loading';
}
