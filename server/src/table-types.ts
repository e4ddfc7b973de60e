// The value types of a server table: its changes, positions, status, stats and entries.
/** One applied change, in apply order. `offset` is the Kafka offset of the record that made it. */
export type TableChange<V> =
  | {
      readonly key: string;
      readonly deleted: false;
      readonly value: V;
      readonly partition: number;
      readonly offset: number;
    }
  | {
      readonly key: string;
      readonly deleted: true;
      readonly partition: number;
      readonly offset: number;
    };

/** A table's consumer position: the next offset to read, indexed by partition. */
export type TablePosition = readonly number[];

/** A point in the log, as returned by a writer: the table has applied it once it is past it. */
export interface LogPosition {
  readonly partition: number;
  readonly offset: number;
}

export type { TableStatus } from '../../shared/src/table-status.js';

export interface TableStats {
  /** Data records read from the log: values, tombstones, keyless and undecodable ones alike. */
  readonly recordsApplied: number;
  readonly tombstonesApplied: number;
  readonly keylessRecords: number;
  readonly keyDecodeErrors: number;
  readonly valueDecodeErrors: number;
  /** Seconds from start() to the first catch-up; null until then. */
  readonly catchUpSeconds: number | null;
  /** Records read when the table first caught up; null until then. */
  readonly replayedAtCatchUp: number | null;
}

/** The value of a key together with the record it came from. */
export interface TableEntry<V> {
  readonly value: V;
  readonly partition: number;
  readonly offset: number;
}
