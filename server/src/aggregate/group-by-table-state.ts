import type { Codec } from '../../../shared/src/codecs/codec.js';
import type { RawRecord, RecordBatch } from '../source/kafka-source.js';
import type { TableStateContext } from '../table-kind.js';
import { TableState } from '../table-state.js';
import type { TableChange } from '../table-types.js';
import {
  type AggregateValues,
  groupFunction,
  guarded,
  type NamedAggregate,
} from './aggregate-spec.js';
import { GroupByState } from './group-by-state.js';

/**
 * A group-by over a compacted topic: the source table's last value per key is fed to one
 * GroupByState per named aggregate, and this table's keys are the groups, its values the
 * aggregates. The source values themselves are not kept, only what each key contributed.
 *
 * The source side follows the compacted map's rules (see TableState.apply): the last record per
 * key in a batch counts; a tombstone retracts the key's contribution; a value that fails to
 * decode is counted, reported, and the key keeps its previous contribution.
 *
 * A changed group is attributed to the partition and offset of the record that changed it last.
 * Any position a client holds is a batch boundary of this table, so every group changed after
 * it has an attribution at or past it, and resume by position stays exact.
 */
export class GroupByTableState<S> extends TableState<AggregateValues> {
  readonly #codec: Codec<S>;
  readonly #aggregates: ReadonlyArray<{ readonly name: string; readonly state: GroupByState<S> }>;
  /** The partition of each source key that contributes, to retract a truncated partition. */
  readonly #partitionOf = new Map<string, number>();

  constructor(
    context: TableStateContext<AggregateValues>,
    codec: Codec<S>,
    groupBy: (value: S, key: string) => string | undefined,
    aggregates: readonly NamedAggregate<S>[],
  ) {
    super(context.keyCodec, context.valueCodec, context.tombstoneHistory, context.onRejected);
    this.#codec = codec;
    const group = groupFunction(groupBy);
    this.#aggregates = aggregates.map(({ name, op, field }) => ({
      name,
      state: new GroupByState<S>({
        op,
        groupBy: group,
        ...(field ? { field: guarded(field) } : {}),
      }),
    }));
  }

  override apply(batch: RecordBatch, changes: TableChange<AggregateValues>[] | undefined): boolean {
    const partition = batch.partition;
    let position = this.positions[partition];
    let rebuilt = false;
    // The log before the client's new start was deleted under us: the source keys of that
    // partition may be gone, so their contributions are taken back and the partition re-read.
    if (position !== undefined && batch.fetchOffset !== undefined && batch.fetchOffset > position) {
      this.tombstones.resetPartition(partition, batch.fetchOffset);
      for (const [key, p] of this.#partitionOf) {
        if (p !== partition) continue;
        this.#partitionOf.delete(key);
        for (const { state } of this.#aggregates) state.apply(key, undefined, batch.fetchOffset);
      }
      position = batch.fetchOffset;
      rebuilt = true;
    }
    const records = batch.records;
    const keys = this.decodeKeys(records, position ?? 0);
    const seen = new Set<string>();
    for (let i = records.length - 1; i >= 0; i--) {
      const key = keys[i];
      if (key === undefined || seen.has(key)) continue;
      seen.add(key);
      this.#applyLast(records, keys, i, partition);
    }
    this.#publish(partition, changes);
    if (position === undefined || batch.nextOffset > position) {
      this.positions[partition] = batch.nextOffset;
    }
    return rebuilt;
  }

  /** The key's last record in the batch, or the one before it while values are rejected. */
  #applyLast(
    records: readonly RawRecord[],
    keys: ReadonlyArray<string | undefined>,
    index: number,
    partition: number,
  ): void {
    const key = keys[index]!;
    for (let i = index; i >= 0; i--) {
      if (keys[i] !== key) continue;
      const record = records[i]!;
      if (record.value === null) {
        this.#partitionOf.delete(key);
        for (const { state } of this.#aggregates) state.apply(key, undefined, record.offset);
        return;
      }
      let value: S;
      try {
        value = this.#codec.decode(record.value);
      } catch (error) {
        this.reject('decode', key, partition, record.offset, error);
        continue;
      }
      this.#partitionOf.set(key, partition);
      for (const { state } of this.#aggregates) state.apply(key, value, record.offset);
      return;
    }
  }

  /** Every group changed by the batch becomes a put of its aggregates, or a delete once empty. */
  #publish(partition: number, changes: TableChange<AggregateValues>[] | undefined): void {
    const changed = new Map<string, number>();
    for (const { state } of this.#aggregates) {
      for (const { group, at } of state.flush()) {
        changed.set(group, Math.max(at, changed.get(group) ?? at));
      }
    }
    for (const [group, at] of changed) {
      this.putComputed(group, this.#valuesOf(group), partition, at, changes);
    }
  }

  /** A group's aggregates now, or undefined when no aggregate has a value for it. */
  #valuesOf(group: string): AggregateValues | undefined {
    let values: Record<string, number> | undefined;
    for (const { name, state } of this.#aggregates) {
      const value = state.get(group);
      if (value === undefined) continue;
      values ??= {};
      values[name] = value;
    }
    return values;
  }
}
