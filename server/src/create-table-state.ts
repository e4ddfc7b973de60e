import { utf8 } from '../../shared/src/codecs/utf8.js';
import type { Logger } from './environment.js';
import type { KafkaTableOptions } from './kafka-table-options.js';
import { RejectedValueLog } from './rejected-value-log.js';
import { DEFAULT_MAX_KEY_BYTES, sizeCappedKeyCodec } from './size-capped-key-codec.js';
import { DEFAULT_MAX_VALUE_BYTES } from './stored-value.js';
import type { TableKind, TableStateContext } from './table-kind.js';
import { TableState } from './table-state.js';

/**
 * The state a table applies its records to: its kind's, or the compacted map's when it has no
 * kind, built from the table's codecs and limits (its key codec refuses keys past
 * `maxKeyBytes`); rejected values are logged under its topic.
 */
export function createTableState<V>(
  options: KafkaTableOptions<V>,
  kind: TableKind<V> | undefined,
  logger: Logger,
): TableState<V> {
  const rejected = new RejectedValueLog(logger, options.topic);
  const context: TableStateContext<V> = {
    keyCodec: sizeCappedKeyCodec(
      options.keyCodec ?? utf8(),
      options.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES,
    ),
    valueCodec: options.valueCodec,
    tombstoneHistory: options.tombstoneHistory ?? 100_000,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    onRejected: (value) => rejected.report(value),
  };
  return kind
    ? kind.createState(context)
    : new TableState(
        context.keyCodec,
        context.valueCodec,
        context.tombstoneHistory,
        context.onRejected,
        context.maxValueBytes,
      );
}
