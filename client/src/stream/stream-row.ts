/**
 * One row of a stream table: one Kafka record. A stream table's keys are row ids
 * `"<partition>:<offset>"` and its values are these rows (see docs/PROTOCOL.md, Stream tables).
 */
export interface StreamRow<T> {
  readonly key: string | null;
  readonly value: T | null;
  /** Milliseconds since the epoch: the producer's time, or the broker's for LogAppendTime topics. */
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;
  /** The record's headers as text, when the bridge's table asks for them. */
  readonly headers?: ReadonlyArray<readonly [string, string | null]>;
}

/** The order of a stream's rows: by time, then partition, then offset. */
export function compareRows(a: StreamRow<unknown>, b: StreamRow<unknown>): number {
  return a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;
}
