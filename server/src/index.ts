export type { Codec } from '../../shared/src/codecs/codec.js';
export { CodecError } from '../../shared/src/codecs/codec-error.js';
export {
  bytes,
  type CompositeKeyCodec,
  codecs,
  defaultCompositeKeyCodec,
  json,
  lengthPrefixedKeyCodec,
  superjsonCodec,
  utf8,
} from '../../shared/src/codecs/index.js';
export { AGGREGATE_OPS, type AggregateOp } from './aggregate/aggregate-op.js';
export type { AggregateSpec, Aggregates, AggregateValues } from './aggregate/aggregate-spec.js';
export { type GroupByTableOptions, groupByTable } from './aggregate/group-by-table.js';
export { type WindowSpec, windowKey } from './aggregate/window-state.js';
export { type WindowedTableOptions, windowedTable } from './aggregate/windowed-table.js';
export type { WindowRow } from './aggregate/windowed-table-state.js';
export type { Bridge } from './bridge/bridge.js';
export type {
  Authorization,
  AuthorizeRequest,
  BridgeOptions,
} from './bridge/bridge-options.js';
export { createBridge } from './bridge/create-bridge.js';
export {
  type EnsureTopicOptions,
  type EnsureTopicResult,
  ensureTopic,
  type PolicyMismatchMode,
} from './ensure-topic.js';
export type { Logger, Timers } from './environment.js';
export {
  TablecastError,
  type TablecastErrorCode,
  TopicNotFoundError,
  TopicPolicyError,
} from './errors.js';
export {
  type GroupedChange,
  GroupedKafkaTable,
  type GroupedKafkaTableOptions,
} from './grouped-kafka-table.js';
export { GroupedKafkaTableWriter } from './grouped-kafka-table-writer.js';
export type {
  KafkaSaslOptions,
  KafkaSecurityOptions,
  KafkaTlsOptions,
} from './kafka-security.js';
export { type ChangeListener, KafkaTable, type StatusListener } from './kafka-table.js';
export type { KafkaConnectionOptions, KafkaTableOptions } from './kafka-table-options.js';
export { KafkaTableWriter, type KafkaTableWriterOptions } from './kafka-table-writer.js';
export type {
  ConsumeOptions,
  KafkaSource,
  PartitionOffsets,
  RawRecord,
  RecordBatch,
  Subscription,
} from './source/kafka-source.js';
export { type KafkajsSourceOptions, kafkajsSource } from './source/kafkajs-source.js';
export { type WireSourceOptions, wireSource } from './source/wire/wire-source.js';
export type { StreamRow } from './stream/stream-row.js';
export type { StreamStart } from './stream/stream-start.js';
export { StreamTable, type StreamTableOptions } from './stream/stream-table.js';
export type {
  LogPosition,
  TableChange,
  TableEntry,
  TablePosition,
  TableStats,
  TableStatus,
  WireEntry,
} from './table-types.js';
