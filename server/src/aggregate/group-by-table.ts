import type { Codec } from '../../../shared/src/codecs/codec.js';
import { json } from '../../../shared/src/codecs/json.js';
import { KafkaTable } from '../kafka-table.js';
import type { KafkaTableOptions } from '../kafka-table-options.js';
import type { TableKind } from '../table-kind.js';
import { aggregateIdentity } from './aggregate-identity.js';
import { type Aggregates, type AggregateValues, namedAggregates } from './aggregate-spec.js';
import { GroupByTableState } from './group-by-table-state.js';

export interface GroupByTableOptions<S>
  extends Omit<KafkaTableOptions<AggregateValues>, 'valueCodec'> {
  /** Decodes the source topic's values. Default JSON. */
  readonly valueCodec?: Codec<S>;
  /**
   * The group a source value counts in (its source key is given too); anything but a string
   * (or a throw) leaves the value out of every group.
   */
  readonly groupBy: (value: S, key: string) => string | undefined;
  /** The aggregates each group's value holds, by name: `{ count: 'count', total: { op: 'sum', field } }`. */
  readonly aggregates: Aggregates<S>;
}

/**
 * A table of aggregates over a compacted topic: one key per group, whose value holds each named
 * aggregate (`{ count: 3, total: 120 }`), kept up to date as source values change, move between
 * groups and are deleted (a tombstone or a regrouped value takes back what it added). A group
 * nothing contributes to any more is deleted. The bridge serves it like any table.
 *
 * Like any table it replays the topic from the beginning, so a restart rebuilds the same groups.
 */
export function groupByTable<S = unknown>(
  options: GroupByTableOptions<S>,
): KafkaTable<AggregateValues> {
  const { valueCodec = json() as Codec<S>, groupBy, aggregates, ...rest } = options;
  if (typeof groupBy !== 'function') {
    throw new TypeError('groupByTable needs groupBy, a function from a value to its group.');
  }
  const named = namedAggregates(aggregates);
  const kind: TableKind<AggregateValues> = {
    identity: aggregateIdentity(),
    createState: (context) => new GroupByTableState(context, valueCodec, groupBy, named),
  };
  return new KafkaTable({ ...rest, valueCodec: json<AggregateValues>() }, kind);
}
