import { tablePosition } from '../../../shared/src/protocol/index.js';
import type { Logger, Timers } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import type { TableChange } from '../table-types.js';
import { BatchFrames } from './batch-frames.js';
import { DeltaCoalescer } from './delta-coalescer.js';
import { MemberRing } from './member-ring.js';

/**
 * The longest the bridge holds a change back to space a busy table's deltas out: well inside
 * the latency a dashboard notices, and a bound on what pacing adds to a change's p99.
 */
const DELTA_MAX_DELAY_MS = 20;

/** What the fan-out needs of a connection that reads a table. */
export interface FanoutMember {
  /** A coalesced batch of a table it reads. */
  deliver(batch: BatchFrames): void;
  /** A status change of a table it reads. */
  status(table: string): void;
}

/**
 * Which connections read each table, and the way a table's changes reach them: changes are
 * coalesced (only while some connection reads the table), each coalesced batch is wrapped once
 * in BatchFrames, so its frames are built once for every member, and handed to each member,
 * starting each round at another member (MemberRing). A status change first sends what is
 * pending (I4).
 */
export class TableFanout {
  readonly #tables: ReadonlyMap<string, KafkaTable<unknown>>;
  readonly #logger: Logger;
  readonly #members = new Map<string, MemberRing<FanoutMember>>();
  readonly #deltas: DeltaCoalescer;
  readonly #unsubscribeTables: Array<() => void> = [];

  constructor(tables: ReadonlyMap<string, KafkaTable<unknown>>, timers: Timers, logger: Logger) {
    this.#tables = tables;
    this.#logger = logger;
    this.#deltas = new DeltaCoalescer((name, changes) => this.#deliver(name, changes), {
      timers,
      now: () => performance.now(),
      maxDelayMs: DELTA_MAX_DELAY_MS,
    });
    for (const [name, table] of tables) {
      this.#members.set(name, new MemberRing());
      this.#unsubscribeTables.push(
        table.onChanges((changes) => {
          const members = this.#members.get(name);
          if (!members || members.size === 0) return;
          this.#deltas.add(name, changes);
        }),
        table.onStatus(() => {
          this.#deltas.flush(name);
          for (const member of this.#members.get(name) ?? []) member.status(name);
        }),
      );
    }
  }

  join(table: string, member: FanoutMember): void {
    this.#members.get(table)?.add(member);
  }

  leave(table: string, member: FanoutMember): void {
    this.#members.get(table)?.delete(member);
  }

  /** Stops following the tables and drops what is pending. */
  close(): void {
    for (const remove of this.#unsubscribeTables) remove();
    this.#deltas.close();
  }

  #deliver(name: string, changes: readonly TableChange<unknown>[]): void {
    const table = this.#tables.get(name)!;
    const batch = new BatchFrames(name, changes, tablePosition(table));
    this.#members.get(name)?.forEachRound((member) => {
      // One connection that fails must not cost the others this batch.
      try {
        member.deliver(batch);
      } catch (error) {
        this.#logger.error('Delivering a batch to a connection failed.', {
          table: name,
          error: String(error),
        });
      }
    });
  }
}
