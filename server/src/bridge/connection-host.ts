import type { Logger, Timers } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import type { BridgeMetrics } from './bridge-metrics.js';
import type { ResolvedBridgeOptions } from './bridge-options.js';
import type { SliceScheduler } from './slice-scheduler.js';
import type { FanoutMember } from './table-fanout.js';
import type { WriteService } from './write-service.js';

/** What a connection needs from its bridge. */
export interface ConnectionHost {
  readonly options: ResolvedBridgeOptions;
  readonly metrics: BridgeMetrics;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly scheduler: SliceScheduler;
  readonly writes: WriteService;
  table(name: string): KafkaTable<unknown> | undefined;
  /** The connection reads `table` from now on: it gets the table's deltas and status. */
  join(table: string, connection: FanoutMember): void;
  /** The connection no longer reads `table`. */
  leave(table: string, connection: FanoutMember): void;
  /**
   * A subscription of the connection goes live at the table's position now: every delta sent
   * to it from here on must end at or past it.
   */
  settle(table: string, connection: FanoutMember): void;
}
