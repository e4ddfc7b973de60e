import { tablePosition } from '../../../shared/src/protocol/index.js';
import type { Logger } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import type { BatchFrames } from './batch-frames.js';
import { DeltaLog } from './delta-log.js';
import { SliceScheduler } from './slice-scheduler.js';
import { TableSweep } from './table-sweep.js';

/**
 * How long one turn of delivery runs before the loop reads Kafka and the sockets again: a few
 * hundred socket writes, and what a fetch response or a join waits for at most.
 */
const SWEEP_SLICE_MS = 1;

/** What the fan-out needs of a connection that reads a table. */
export interface FanoutMember {
  /** What changed in a table it reads since it was last given a delta. */
  deliver(batch: BatchFrames): void;
  /** A status change of a table it reads. */
  status(table: string): void;
}

/**
 * Which connections read each table, and the way a table's changes reach them: while some
 * connection reads a table its changes go into a DeltaLog, and a TableSweep per table goes round
 * the connections in slices, giving each what was sealed since its last visit. A delta for a
 * given starting point is built once (BatchFrames: encoded and framed once) and written as the
 * same bytes to every socket that starts there. A status change first brings every connection
 * up to date (I4).
 */
export class TableFanout {
  readonly #logger: Logger;
  readonly #sweeps = new Map<string, TableSweep<FanoutMember>>();
  readonly #scheduler = new SliceScheduler({
    budgetMs: SWEEP_SLICE_MS,
    maxBudgetMs: SWEEP_SLICE_MS,
    share: 0,
  });
  readonly #unsubscribeTables: Array<() => void> = [];

  constructor(tables: ReadonlyMap<string, KafkaTable<unknown>>, logger: Logger) {
    this.#logger = logger;
    for (const [name, table] of tables) {
      const log = new DeltaLog(name);
      const sweep = new TableSweep<FanoutMember>(
        log,
        () => tablePosition(table),
        (member, batch) => this.#deliver(member, batch),
      );
      this.#sweeps.set(name, sweep);
      this.#unsubscribeTables.push(
        table.onChanges((changes) => {
          if (sweep.size === 0) return;
          log.add(changes);
          this.#scheduler.add(sweep);
        }),
        table.onStatus(() => {
          sweep.catchUpAll();
          for (const member of sweep.members()) member.status(name);
        }),
      );
    }
  }

  join(table: string, member: FanoutMember): void {
    this.#sweeps.get(table)?.add(member);
  }

  leave(table: string, member: FanoutMember): void {
    this.#sweeps.get(table)?.delete(member);
  }

  /** See {@link TableSweep.settle}: before a subscription of `member` goes live. */
  settle(table: string, member: FanoutMember): void {
    this.#sweeps.get(table)?.settle(member);
  }

  /** Stops following the tables and drops what is pending. */
  close(): void {
    for (const remove of this.#unsubscribeTables) remove();
    for (const sweep of this.#sweeps.values()) this.#scheduler.delete(sweep);
  }

  #deliver(member: FanoutMember, batch: BatchFrames): void {
    // One connection that fails must not cost the others this batch.
    try {
      member.deliver(batch);
    } catch (error) {
      this.#logger.error('Delivering a batch to a connection failed.', {
        table: batch.table,
        error: String(error),
      });
    }
  }
}
