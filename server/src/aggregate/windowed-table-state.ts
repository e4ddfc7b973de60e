import type { Codec } from '../../../shared/src/codecs/codec.js';
import type { RawRecord, RecordBatch } from '../source/kafka-source.js';
import type { TableStateContext } from '../table-kind.js';
import { TableState } from '../table-state.js';
import type { TableChange } from '../table-types.js';
import { type Accumulator, combine } from './aggregate-op.js';
import { groupFunction, guarded, type NamedAggregate } from './aggregate-spec.js';
import { type WindowSpec, WindowState } from './window-state.js';

/**
 * One window of one group in a windowed table, under the key `windowKey(group, start)`: the
 * window `[start, end)` in ms since the epoch and each named aggregate that has a value.
 */
export interface WindowRow {
  readonly group: string;
  readonly start: number;
  readonly end: number;
  readonly [aggregate: string]: string | number;
}

/** Names a windowed table's aggregates cannot take: the row's own fields. */
export const WINDOW_ROW_FIELDS: readonly string[] = ['group', 'start', 'end'];

/**
 * Windowed aggregates over a stream of records, on record time.
 *
 * Stream time, lateness and expiry are kept per partition (each partition has its own
 * WindowStates, as each Kafka Streams task or Faust table partition has its own stream time),
 * and a window's row combines the parts every partition holds. So the table at any position is a
 * function of the records before that position alone, whatever order the partitions were read in:
 * a restarted table that replays the log reaches the same rows. The price: a partition whose
 * records stop keeps its windows until its stream time moves on, and a window fed by several
 * partitions loses one partition's part when that partition's stream time expires it.
 *
 * Every window a batch changed is attributed to the batch's last applied record, which is at or
 * past any position a client holds (positions are batch boundaries), so resume stays exact.
 */
export class WindowedTableState<S> extends TableState<WindowRow> {
  readonly #codec: Codec<S>;
  readonly #aggregates: readonly NamedAggregate<S>[];
  readonly #spec: WindowSpec;
  readonly #groupBy: (value: S, key: string | null) => string | undefined;
  /** Per partition, one WindowState per named aggregate (in `#aggregates` order). */
  readonly #parts: Array<Array<WindowState<S>>> = [];

  constructor(
    context: TableStateContext<WindowRow>,
    codec: Codec<S>,
    window: WindowSpec,
    groupBy: (value: S, key: string | null) => string | undefined,
    aggregates: readonly NamedAggregate<S>[],
  ) {
    super(context.keyCodec, context.valueCodec, context.tombstoneHistory, context.onRejected);
    this.#codec = codec;
    this.#spec = window;
    this.#aggregates = aggregates;
    this.#groupBy = groupFunction(groupBy);
  }

  /** Records that came too late for every window they belong to (past the grace period). */
  get lateRecords(): number {
    let late = 0;
    for (const states of this.#parts) late += states?.[0]?.lateRecords ?? 0;
    return late;
  }

  override apply(batch: RecordBatch, changes: TableChange<WindowRow>[] | undefined): boolean {
    const partition = batch.partition;
    const position = this.positions[partition];
    // A stream's old records go by retention, so a start that moved past the position is
    // normal: the windows already made from the deleted records stay.
    const from = Math.max(position ?? 0, batch.fetchOffset ?? 0);
    const states = (this.#parts[partition] ??= this.#newPart());
    let last = -1;
    for (const record of batch.records) {
      if (record.offset < from) continue;
      this.recordsApplied++;
      const key = this.#key(record);
      if (key === undefined) continue;
      if (record.value === null) {
        // An event without a value has nothing to aggregate.
        this.tombstonesApplied++;
        continue;
      }
      let value: S;
      try {
        value = this.#codec.decode(record.value);
      } catch (error) {
        this.reject('decode', key ?? '', partition, record.offset, error);
        continue;
      }
      for (const state of states) state.apply(key, value, record.timestamp);
      last = record.offset;
    }
    if (last >= 0) this.#publish(states, partition, last, changes);
    if (position === undefined || batch.nextOffset > position) {
      this.positions[partition] = batch.nextOffset;
    }
    return false;
  }

  #newPart(): Array<WindowState<S>> {
    return this.#aggregates.map(
      ({ op, field }) =>
        new WindowState<S>({
          window: this.#spec,
          op,
          groupBy: this.#groupBy,
          ...(field ? { field: guarded(field) } : {}),
        }),
    );
  }

  /** The record's key; null for a keyless record (fine in a stream), undefined to skip it. */
  #key(record: RawRecord): string | null | undefined {
    if (record.key === null) {
      this.keylessRecords++;
      return null;
    }
    try {
      return this.keyCodec.decode(record.key);
    } catch {
      this.keyDecodeErrors++;
      return undefined;
    }
  }

  #publish(
    states: ReadonlyArray<WindowState<S>>,
    partition: number,
    at: number,
    changes: TableChange<WindowRow>[] | undefined,
  ): void {
    const changed = new Set<string>();
    for (const state of states) for (const { key } of state.flush()) changed.add(key);
    for (const key of changed) this.putComputed(key, this.#row(key), partition, at, changes);
  }

  /** A window's row combined over the partitions that still hold it. */
  #row(key: string): WindowRow | undefined {
    let row: Record<string, string | number> | undefined;
    for (let i = 0; i < this.#aggregates.length; i++) {
      const parts: Accumulator[] = [];
      for (const states of this.#parts) {
        const state = states?.[i];
        const part = state?.part(key);
        if (part === undefined) continue;
        parts.push(part);
        if (row === undefined) {
          const { group, start, end } = state!.get(key)!;
          row = { group, start, end };
        }
      }
      if (parts.length === 0) continue;
      const value = combine(this.#aggregates[i]!.op, parts);
      if (value !== undefined) row![this.#aggregates[i]!.name] = value;
    }
    return row as WindowRow | undefined;
  }
}
