import type { Codec } from '../../shared/src/codecs/codec.js';
import type { KafkaSource, PartitionOffsets } from './source/kafka-source.js';
import type { RejectedValue, TableState } from './table-state.js';

/** What a table's state is built from: the table's codecs and limits. */
export interface TableStateContext<V> {
  readonly keyCodec: Codec<string>;
  readonly valueCodec: Codec<V>;
  readonly tombstoneHistory: number;
  /** Longer values are rejected (`'size'`) before they are decoded. */
  readonly maxValueBytes: number;
  readonly onRejected: (rejected: RejectedValue) => void;
}

/**
 * What a KafkaTable makes of its topic's records. The default kind is the compacted map (last
 * value per key); a stream table keeps recent records as rows, an aggregate table keeps the
 * aggregates of records. Every kind is a keyed map of wire text underneath (a {@link TableState}
 * whose `apply` the kind overrides), so the bridge serves each kind with the same snapshot,
 * deltas, gate and resume.
 */
export interface TableKind<V> {
  /** The state that applies records to the map, under this kind's rules. */
  createState(context: TableStateContext<V>): TableState<V>;
  /**
   * Where each partition starts reading, from the offsets seen at start; default its earliest
   * offset. The gate still opens at the end offsets seen at start.
   */
  startAt?(
    offsets: readonly PartitionOffsets[],
    source: KafkaSource,
    topic: string,
  ): Promise<Map<number, number>>;
  /**
   * The identity the table's positions carry, given the topic's and its partition count; default
   * the topic's own. A kind whose results depend on the order partitions were read in gives each
   * run its own identity, so a position from another run resets a client instead of resuming.
   */
  identity?(topicId: string, partitions: number): string;
  /** Whether records must carry their headers. Default false. */
  readonly headers?: boolean;
  /**
   * False for kinds that read any topic (streams): the table then neither creates the topic nor
   * checks that it is compacted. Default true.
   */
  readonly compacted?: boolean;
}
