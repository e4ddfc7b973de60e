/**
 * The narrow adapter between a table and a Kafka client library.
 *
 * A table needs only four things from Kafka: the partitions of a topic, the earliest and
 * catch-up offsets of each, and an ordered stream of raw records per partition that starts at
 * positions the table chooses. Everything client-specific (group membership, rebalances, seeks,
 * control batches) stays behind this interface: tablecast's own client (`wireSource`) and
 * kafkajs (`kafkajsSource`) both implement it, and so could a librdkafka-based client.
 */

/**
 * One record as read from the log. Bytes stay undecoded: the table decides what they mean.
 *
 * `key` and `value` may be views into a much larger buffer (a whole fetch response, with
 * `wireSource`): whoever keeps bytes beyond the batch must copy them, or the whole response
 * stays in memory for as long as one view of it does.
 */
export interface RawRecord {
  readonly key: Uint8Array | null;
  /** `null` is a tombstone; a zero-length array is a value. */
  readonly value: Uint8Array | null;
  readonly offset: number;
  /** Milliseconds since the epoch: the producer's time, or the broker's for LogAppendTime topics. */
  readonly timestamp: number;
  /** Only when the consumer asked for them ({@link ConsumeOptions.headers}). */
  readonly headers?: readonly RecordHeader[];
}

/** One record header. Keys are strings; values are bytes (views, like keys and values), or null. */
export interface RecordHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/**
 * A run of records from one partition, in offset order.
 *
 * `nextOffset` is the consumer position after the batch: one past the last offset the client
 * consumed, including control markers, aborted and compacted-away records that never appear in
 * `records`. The catch-up gate is driven by it, which is why a batch may have no records.
 */
export interface RecordBatch {
  readonly partition: number;
  /**
   * The offset the client asked the broker for, when known. A value past the table's position
   * means the client reset itself (offset out of range), which makes the table rebuild the
   * partition.
   */
  readonly fetchOffset?: number;
  readonly records: readonly RawRecord[];
  readonly nextOffset: number;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** Log start offset. */
  readonly earliest: number;
  /** Last stable offset: the end of committed data, which read_committed consumers can reach. */
  readonly end: number;
}

export interface ConsumeOptions {
  readonly topic: string;
  /** Where each known partition starts. Partitions not listed start at their earliest offset. */
  readonly startAt: ReadonlyMap<number, number>;
  /**
   * Called for every batch, strictly in order per partition. The source does not fetch more for
   * that partition until the returned promise settles, which gives the table backpressure.
   */
  readonly onBatch: (batch: RecordBatch) => void | Promise<void>;
  /** A fatal, non-retriable error: the source has stopped. Transient outages are retried inside. */
  readonly onFatal: (error: unknown) => void;
  /**
   * Where the table's in-memory position for a partition is. The source asks this when it has to
   * (re)position itself, e.g. after a rebalance of a client that needs a group, so it never
   * restarts from the beginning.
   */
  readonly positionOf: (partition: number) => number | undefined;
  /** Decode record headers into {@link RawRecord.headers}; off by default, since tables ignore them. */
  readonly headers?: boolean;
}

export interface Subscription {
  /** Stops consuming and releases the client's resources; idempotent. */
  close(): Promise<void>;
}

export interface KafkaSource {
  /** Offsets of every partition of `topic`. Rejects with a TopicNotFoundError when it does not exist. */
  offsets(topic: string): Promise<PartitionOffsets[]>;
  /**
   * Per partition, the earliest offset whose record time is at or after `timestamp` (ms since
   * the epoch), or the end offset when there is none. Optional: stream tables that start from a
   * time need it.
   */
  offsetsForTime?(
    topic: string,
    timestamp: number,
  ): Promise<Array<{ partition: number; offset: number }>>;
  consume(options: ConsumeOptions): Promise<Subscription>;
  /**
   * The topic's id, which changes when a topic is deleted and created again. Optional: without
   * it a recreated topic is only noticed when offsets go backwards.
   */
  topicId?(topic: string): Promise<string | undefined>;
  /** Releases connections the source owns (not the ones of an injected client). */
  close(): Promise<void>;
}
