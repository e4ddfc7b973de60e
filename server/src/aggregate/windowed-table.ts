import type { Codec } from '../../../shared/src/codecs/codec.js';
import { json } from '../../../shared/src/codecs/json.js';
import { KafkaTable } from '../kafka-table.js';
import type { KafkaTableOptions } from '../kafka-table-options.js';
import type { TableKind } from '../table-kind.js';
import { aggregateIdentity } from './aggregate-identity.js';
import { type Aggregates, namedAggregates } from './aggregate-spec.js';
import { type WindowSpec, WindowState } from './window-state.js';
import { WINDOW_ROW_FIELDS, WindowedTableState, type WindowRow } from './windowed-table-state.js';

export interface WindowedTableOptions<S>
  extends Omit<
    KafkaTableOptions<WindowRow>,
    'valueCodec' | 'topicConfigs' | 'numPartitions' | 'onPolicyMismatch'
  > {
  /** Decodes the topic's values. Default JSON. */
  readonly valueCodec?: Codec<S>;
  /** Tumbling or hopping windows on record time, with grace and retention (see WindowSpec). */
  readonly window: WindowSpec;
  /**
   * The group a record counts in (its key, or null for a keyless record, is given too); anything
   * but a string (or a throw) leaves the record out.
   */
  readonly groupBy: (value: S, key: string | null) => string | undefined;
  /** The aggregates each window holds, by name (not `group`, `start` or `end`). */
  readonly aggregates: Aggregates<S>;
}

/**
 * Windowed aggregates over any topic (an event stream needs no compaction): one key per group
 * and window, `windowKey(group, start)` (`api@2026-01-01T10:00:00.000Z`), whose value is a
 * {@link WindowRow} (`{ group, start, end, count: 12 }`). Records count by their own timestamp;
 * a record later than the grace period is dropped; a window past its retention is deleted. Time
 * is the stream's (the highest record time seen per partition), never the wall clock, and the
 * table replays the topic from its earliest offset, so a restart rebuilds the same windows.
 *
 * In `stats`, keyless records count in `keylessRecords` but are aggregated (an event needs no
 * key); records without a value count in `tombstonesApplied` and are skipped.
 */
export function windowedTable<S = unknown>(
  options: WindowedTableOptions<S>,
): KafkaTable<WindowRow> {
  const { valueCodec = json() as Codec<S>, window, groupBy, aggregates, ...rest } = options;
  if (typeof groupBy !== 'function') {
    throw new TypeError('windowedTable needs groupBy, a function from a record to its group.');
  }
  const named = namedAggregates(aggregates, WINDOW_ROW_FIELDS);
  const kind: TableKind<WindowRow> = {
    compacted: false,
    identity: aggregateIdentity(),
    createState: (context) => new WindowedTableState(context, valueCodec, window, groupBy, named),
  };
  // Fails here, not at start, on a window that would leave gaps or an out-of-range grace.
  new WindowState({ window, op: 'count', groupBy: () => undefined });
  return new KafkaTable({ ...rest, valueCodec: json<WindowRow>() }, kind);
}
