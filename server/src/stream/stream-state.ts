import type { Codec } from '../../../shared/src/codecs/codec.js';
import type { RawRecord, RecordBatch } from '../source/kafka-source.js';
import { decodeStored, StoredValueCodec, storedText } from '../stored-value.js';
import type { TableStateContext } from '../table-kind.js';
import { TableState } from '../table-state.js';
import type { TableChange } from '../table-types.js';
import { RowRing } from './row-ring.js';
import { rowId, type StreamRow } from './stream-row.js';

export interface StreamStateOptions<T> {
  readonly valueCodec: Codec<T>;
  /** How many rows the ring holds. */
  readonly limit: number;
  /** Rows older than stream time minus this leave; stream time is the highest record time seen. */
  readonly retainMs?: number | undefined;
  /** Put each record's headers in its row. */
  readonly headers?: boolean | undefined;
}

const utf8 = new TextDecoder();

/**
 * A stream table's state: the last `limit` records (and, with `retainMs`, only those of the last
 * period) as rows keyed `"<partition>:<offset>"`, with no I/O.
 *
 * Rows leave in arrival order. Each eviction is a delete attributed to the record that caused
 * it, and raises the tombstone horizon of the evicted row's partition past it: a client whose
 * position is before a row that is gone never saw that row, so its resume would show a gap as
 * continuity; the horizon turns such a resume into a reset (TableState.openView).
 *
 * With `retainMs`, a record older than the cutoff when it arrives is not kept, and a late record
 * (older than rows that arrived before it) leaves once the rows ahead of it have left.
 */
export class StreamState<T> extends TableState<StreamRow<T>> {
  readonly #values: StoredValueCodec<T>;
  readonly #ring: RowRing;
  readonly #retainMs: number | undefined;
  readonly #headers: boolean;
  /** The highest record time seen: time moves with the data, never with the wall clock. */
  #streamTime = Number.NEGATIVE_INFINITY;

  constructor(context: TableStateContext<StreamRow<T>>, options: StreamStateOptions<T>) {
    // Every row leaves as a delete: the history must hold at least a full ring of them.
    super(
      context.keyCodec,
      context.valueCodec,
      Math.max(context.tombstoneHistory, options.limit),
      context.onRejected,
    );
    this.#values = new StoredValueCodec(options.valueCodec, context.maxValueBytes);
    this.#ring = new RowRing(options.limit);
    this.#retainMs = options.retainMs;
    this.#headers = options.headers === true;
  }

  /** The highest record time seen so far; -Infinity before the first record. */
  get streamTime(): number {
    return this.#streamTime;
  }

  /**
   * Applies one batch. Only rows that can still be in the ring after the batch are decoded: the
   * last `limit` records, without those already older than the batch's cutoff. A row added and
   * evicted within one batch is never visible to a client, since positions are batch boundaries.
   */
  override apply(batch: RecordBatch, changes: TableChange<StreamRow<T>>[] | undefined): boolean {
    const partition = batch.partition;
    let position = this.positions[partition];
    // Retention deleted records before the table read them: no row of them was ever shown.
    if (position !== undefined && batch.fetchOffset !== undefined && batch.fetchOffset > position) {
      position = batch.fetchOffset;
    }
    const from = position ?? 0;
    const records = batch.records;
    let first = 0;
    while (first < records.length && records[first]!.offset < from) first++;
    this.recordsApplied += records.length - first;
    const rows = this.#selectRows(records, first, partition);
    let time = this.#streamTime;
    for (let i = first; i < records.length; i++) {
      const record = records[i]!;
      if (record.value === null) this.tombstonesApplied++;
      if (record.timestamp > time) time = record.timestamp;
      this.#streamTime = time;
      const row = rows.get(i);
      if (row !== undefined) {
        if (this.#ring.size === this.#ring.capacity) this.#evictOldest(partition, record, changes);
        const id = rowId(partition, record.offset);
        this.put(id, row.text, row.plain, partition, record.offset, changes);
        this.#ring.push(id, partition, record.offset, record.timestamp);
      }
      this.#evictExpired(partition, record, changes);
    }
    if (position === undefined || batch.nextOffset > position) {
      this.positions[partition] = batch.nextOffset;
    }
    return false;
  }

  /** The stored text of every record of the batch that will still be a row after it, by index. */
  #selectRows(
    records: readonly RawRecord[],
    first: number,
    partition: number,
  ): Map<number, { text: string; plain: boolean }> {
    let time = this.#streamTime;
    for (let i = first; i < records.length; i++) {
      if (records[i]!.timestamp > time) time = records[i]!.timestamp;
    }
    const cutoff = this.#cutoff(time);
    const rows = new Map<number, { text: string; plain: boolean }>();
    for (let i = records.length - 1; i >= first && rows.size < this.#ring.capacity; i--) {
      const record = records[i]!;
      if (record.timestamp < cutoff) continue;
      const row = this.#rowText(record, partition);
      if (row !== undefined) rows.set(i, row);
    }
    return rows;
  }

  #cutoff(time: number): number {
    return this.#retainMs === undefined ? Number.NEGATIVE_INFINITY : time - this.#retainMs;
  }

  /** The row's stored text, or undefined when its key or value does not decode (counted). */
  #rowText(record: RawRecord, partition: number): { text: string; plain: boolean } | undefined {
    let key: string | null = null;
    if (record.key !== null) {
      try {
        key = this.keyCodec.decode(record.key);
      } catch {
        this.keyDecodeErrors++;
        return undefined;
      }
    }
    const id = rowId(partition, record.offset);
    let valueText = 'null';
    let plain = true;
    if (record.value !== null) {
      const values = this.#values;
      const failure = values.encode(record.value);
      if (failure !== undefined) {
        const error = values.error;
        values.error = undefined;
        this.reject(failure, id, partition, record.offset, error);
        return undefined;
      }
      valueText = values.text;
      plain = values.plain;
    }
    const headers = this.#headers ? rowHeaders(record) : undefined;
    if (plain) {
      // The value's own JSON text goes into the row as it is: no decode and re-encode per row.
      const tail = headers === undefined ? '' : `,"headers":${JSON.stringify(headers)}`;
      return {
        text: `{"key":${JSON.stringify(key)},"value":${valueText},"timestamp":${record.timestamp},"partition":${partition},"offset":${record.offset}${tail}}`,
        plain: true,
      };
    }
    const row: StreamRow<T> = {
      key,
      value: decodeStored<T>(valueText, false),
      timestamp: record.timestamp,
      partition,
      offset: record.offset,
      ...(headers === undefined ? {} : { headers }),
    };
    try {
      return storedText(row);
    } catch (error) {
      this.reject('encode', id, partition, record.offset, error);
      return undefined;
    }
  }

  #evictExpired(
    partition: number,
    cause: RawRecord,
    changes: TableChange<StreamRow<T>>[] | undefined,
  ): void {
    const cutoff = this.#cutoff(this.#streamTime);
    const ring = this.#ring;
    while (ring.size > 0 && ring.oldestTimestamp! < cutoff) {
      this.#evictOldest(partition, cause, changes);
    }
  }

  /** Removes the oldest row because of the record `cause` read from `partition`. */
  #evictOldest(
    partition: number,
    cause: RawRecord,
    changes: TableChange<StreamRow<T>>[] | undefined,
  ): void {
    const gone = this.#ring.shift();
    this.remove(gone.id, partition, cause.offset, changes);
    const horizon = this.tombstones.horizon;
    horizon[gone.partition] = Math.max(horizon[gone.partition] ?? 0, gone.offset + 1);
  }
}

function rowHeaders(record: RawRecord): Array<[string, string | null]> {
  return (record.headers ?? []).map(({ key, value }) => [
    key,
    value === null ? null : utf8.decode(value),
  ]);
}
