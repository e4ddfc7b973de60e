// The value types of a server table: its changes, positions, status, stats and entries.
/**
 * One applied change, in apply order. `offset` is the Kafka offset of the record that made it.
 *
 * A set carries its value two ways: `value`, decoded from the stored text when first read (so a
 * listener that never reads it costs nothing), and `text`/`plain`, the value's wire form as the
 * table stores it (see {@link WireEntry}), which the bridge sends without decoding.
 */
export type TableChange<V> =
  | {
      readonly key: string;
      readonly deleted: false;
      readonly value: V;
      readonly text: string;
      readonly plain: boolean;
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
  /** Keys that did not decode, or were longer than the table's `maxKeyBytes`. */
  readonly keyDecodeErrors: number;
  readonly valueDecodeErrors: number;
  /**
   * Values that decoded but have no wire form (superjson cannot serialise them: nested too deep,
   * a `__proto__`/`constructor`/`prototype` key in a value that needs meta, a top-level
   * function...). Like a decode error, the key keeps its previous value.
   */
  readonly valueEncodeErrors: number;
  /** Values longer than the table's `maxValueBytes`. Like a decode error, the key keeps its previous value. */
  readonly valueTooLargeErrors: number;
  /** Seconds from start() to the first catch-up; null until then. */
  readonly catchUpSeconds: number | null;
  /** Records read when the table first caught up; null until then. */
  readonly replayedAtCatchUp: number | null;
}

/**
 * A key with its value's wire form as JSON text, as the table stores it: when `plain`, `text` is
 * the JSON of the value and its wire value is `[text]`; otherwise `text` is the whole wire value
 * `[json, meta]`. Splicing it into a message needs no decoding (see bridge/wire-frames.ts).
 */
export type WireEntry = readonly [key: string, text: string, plain: boolean];

/** The value of a key together with the record it came from. */
export interface TableEntry<V> {
  readonly value: V;
  readonly partition: number;
  readonly offset: number;
}
