/**
 * One row of a stream table: one Kafka record. A stream table's keys are row ids
 * `"<partition>:<offset>"` (see {@link rowId}) and its values are these rows, so a stream is a
 * keyed table underneath and travels like any other (docs/PROTOCOL.md, Stream tables).
 */
export interface StreamRow<T> {
  /** The record's key, decoded by the table's key codec; null for a keyless record. */
  readonly key: string | null;
  /** The decoded value; null for a record without a value (a tombstone in a compacted topic). */
  readonly value: T | null;
  /** Milliseconds since the epoch: the producer's time, or the broker's for LogAppendTime topics. */
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;
  /** The record's headers as UTF-8 text, in order; only when the table asks for them. */
  readonly headers?: ReadonlyArray<readonly [string, string | null]>;
}

/** The key of a stream row: `"<partition>:<offset>"`, unique per record of a topic. */
export function rowId(partition: number, offset: number): string {
  return `${partition}:${offset}`;
}
