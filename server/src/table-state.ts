import type { Codec } from '../../shared/src/codecs/codec.js';
import { SetChange } from './set-change.js';
import { SnapshotView, type SnapshotViewOptions } from './snapshot-view.js';
import type { RawRecord, RecordBatch } from './source/kafka-source.js';
import { decodeStored, StoredValueCodec, storedText, type ValueFailure } from './stored-value.js';
import type { TableChange, TableEntry, WireEntry } from './table-types.js';
import { TombstoneLog } from './tombstone-log.js';
import { ValueStore } from './value-store.js';

/** A record whose value was rejected; the key kept its previous value. */
export interface RejectedValue {
  readonly failure: ValueFailure;
  readonly key: string;
  readonly partition: number;
  readonly offset: number;
  readonly error: unknown;
}

/**
 * The compacted map and its bookkeeping, with no I/O: it applies record batches under the apply
 * rules and reports what changed. Everything asynchronous lives in KafkaTable.
 *
 * Values are kept as the JSON text of their wire form (see StoredValueCodec) in a columnar
 * ValueStore, and decoded again on every read.
 */
export class TableState<V> {
  readonly #store = new ValueStore();
  readonly #values: StoredValueCodec<V>;
  /** Next offset to apply, indexed by partition; a hole means the partition is unknown yet. */
  readonly positions: number[] = [];
  recordsApplied = 0;
  tombstonesApplied = 0;
  keylessRecords = 0;
  keyDecodeErrors = 0;
  valueDecodeErrors = 0;
  valueEncodeErrors = 0;
  valueTooLargeErrors = 0;

  readonly tombstones: TombstoneLog;
  /** Open snapshot views: each hears about a key before it changes. */
  readonly #views = new Set<SnapshotView>();

  constructor(
    protected readonly keyCodec: Codec<string>,
    valueCodec: Codec<V>,
    tombstoneCapacity = 100_000,
    protected readonly onRejected: (rejected: RejectedValue) => void = () => {},
    maxValueBytes?: number,
  ) {
    this.#values = new StoredValueCodec(valueCodec, maxValueBytes);
    this.tombstones = new TombstoneLog(tombstoneCapacity);
  }

  /**
   * Applies one batch. Returns whether the partition had to be rebuilt. `changes`, when given,
   * receives every change that altered the map, in apply order.
   *
   * Rules, in order: records before the partition's position are duplicates (a refetch after a
   * rebalance) and are skipped; no key → counted, skipped; key fails to decode → counted,
   * skipped, tombstones too; null value → delete; value longer than maxValueBytes, fails to
   * decode, or decodes to a value that has no wire form → counted (valueTooLargeErrors,
   * valueDecodeErrors, valueEncodeErrors), reported to `onRejected`, and the previous value
   * stays; anything else, including zero bytes, is stored.
   *
   * A value superseded by a later record of the same key in the same batch cannot affect the
   * map, so it is never decoded: during a replay most records are superseded, and decoding is
   * most of a replay's cost. Such values are not counted as decode errors either.
   */
  apply(batch: RecordBatch, changes: TableChange<V>[] | undefined): boolean {
    const partition = batch.partition;
    let position = this.positions[partition];
    let rebuilt = false;
    // The client moved past our position on its own: the log before its new start was deleted
    // under us (offset out of range). Keys from that partition may be gone from the log, so the
    // partition is rebuilt from where the client now reads instead of keeping ghosts.
    if (position !== undefined && batch.fetchOffset !== undefined && batch.fetchOffset > position) {
      this.#dropPartition(partition, batch.fetchOffset, changes);
      position = batch.fetchOffset;
      rebuilt = true;
    }
    const from = position ?? 0;
    const records = batch.records;
    const keys = this.decodeKeys(records, from);
    // Walking backwards, the first time a key is seen is its last record in the batch.
    const seen = new Set<string>();
    const last = new Uint8Array(records.length);
    for (let i = records.length - 1; i >= 0; i--) {
      const key = keys[i];
      if (key === undefined || seen.has(key)) continue;
      seen.add(key);
      last[i] = 1;
    }
    for (let i = 0; i < records.length; i++) {
      if (last[i] === 1) this.#applyLast(records, keys, i, partition, changes);
    }
    if (position === undefined || batch.nextOffset > position) {
      this.positions[partition] = batch.nextOffset;
    }
    return rebuilt;
  }

  /** Decodes and counts every key at or past `from`; undefined marks a record to skip. */
  protected decodeKeys(records: readonly RawRecord[], from: number): Array<string | undefined> {
    const keys: Array<string | undefined> = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (record.offset < from) continue;
      this.recordsApplied++;
      if (record.key === null) {
        this.keylessRecords++;
        continue;
      }
      try {
        keys[i] = this.keyCodec.decode(record.key);
      } catch {
        this.keyDecodeErrors++;
        continue;
      }
      if (record.value === null) this.tombstonesApplied++;
    }
    return keys;
  }

  /**
   * Applies the last record of a key in a batch. If its value is rejected, the key's previous
   * record in the batch is the value to keep, so the search goes back through them.
   */
  #applyLast(
    records: readonly RawRecord[],
    keys: ReadonlyArray<string | undefined>,
    index: number,
    partition: number,
    changes: TableChange<V>[] | undefined,
  ): void {
    const key = keys[index]!;
    const store = this.#store;
    for (let i = index; i >= 0; i--) {
      if (keys[i] !== key) continue;
      const record = records[i]!;
      if (record.value === null) {
        if (this.#views.size > 0) this.#beforeChange(key);
        if (store.delete(key)) {
          changes?.push({ key, deleted: true, partition, offset: record.offset });
        }
        this.tombstones.record(key, partition, record.offset);
        return;
      }
      const values = this.#values;
      const failure = values.encode(record.value);
      if (failure !== undefined) {
        const error = values.error;
        values.error = undefined;
        this.reject(failure, key, partition, record.offset, error);
        continue;
      }
      this.put(key, values.text, values.plain, partition, record.offset, changes);
      return;
    }
  }

  /**
   * Sets `key` to a value already in stored form (see {@link storedText}), as the record at
   * `partition`/`offset` made it. For kinds whose values are computed rather than read: a
   * stream's rows, an aggregate's results.
   */
  put(
    key: string,
    text: string,
    plain: boolean,
    partition: number,
    offset: number,
    changes: TableChange<V>[] | undefined,
  ): void {
    if (this.#views.size > 0) this.#beforeChange(key);
    if (this.#store.set(key, text, plain, partition, offset)) this.tombstones.forget(key);
    changes?.push(new SetChange(key, text, plain, partition, offset));
  }

  /**
   * Deletes `key` because of the record at `partition`/`offset`, remembering the delete so a
   * resuming client hears of it. Returns whether the key was there.
   */
  remove(
    key: string,
    partition: number,
    offset: number,
    changes: TableChange<V>[] | undefined,
  ): boolean {
    if (this.#views.size > 0) this.#beforeChange(key);
    if (!this.#store.delete(key)) return false;
    changes?.push({ key, deleted: true, partition, offset });
    this.tombstones.record(key, partition, offset);
    return true;
  }

  /**
   * Sets `key` to a value the kind computed (an aggregate), stored in its wire form, or deletes
   * it when there is none any more; both as the record at `partition`/`offset` made it.
   */
  protected putComputed(
    key: string,
    value: unknown,
    partition: number,
    offset: number,
    changes: TableChange<V>[] | undefined,
  ): void {
    if (value === undefined) {
      this.remove(key, partition, offset, changes);
      return;
    }
    const { text, plain } = storedText(value);
    this.put(key, text, plain, partition, offset, changes);
  }

  /** Reports a record whose value was not stored; never throws. */
  protected reject(
    failure: ValueFailure,
    key: string,
    partition: number,
    offset: number,
    error: unknown,
  ) {
    if (failure === 'decode') this.valueDecodeErrors++;
    else if (failure === 'encode') this.valueEncodeErrors++;
    else this.valueTooLargeErrors++;
    try {
      this.onRejected({ failure, key, partition, offset, error });
    } catch {
      // Reporting is best effort; it must never stop a batch.
    }
  }

  #dropPartition(partition: number, newStart: number, changes: TableChange<V>[] | undefined) {
    const store = this.#store;
    for (const [key, slot] of store) {
      if (store.partition(slot) !== partition) continue;
      if (this.#views.size > 0) this.#beforeChange(key);
      store.delete(key);
      changes?.push({ key, deleted: true, partition, offset: newStart });
    }
    this.positions[partition] = newStart;
    this.tombstones.resetPartition(partition, newStart);
  }

  #beforeChange(key: string): void {
    const slot = this.#store.slot(key);
    for (const view of this.#views) view.beforeChange(key, slot);
  }

  /**
   * The table as it is now, to be read a slice at a time while batches keep being applied (see
   * SnapshotView). With `since`, only what changed since that position (a resume), unless the
   * deletes since it are no longer all known: then the view is a reset. Close it when done.
   */
  openView(
    position: readonly number[],
    options: { since?: readonly number[]; matches?: (key: string) => boolean } = {},
  ): SnapshotView {
    let resume: SnapshotViewOptions = {};
    const since = options.since;
    if (since !== undefined && this.#knowsDeletesSince(since)) {
      resume = { since, deletes: [...this.tombstones.deletedSince(since)] };
    }
    const view = new SnapshotView(
      this.#store,
      position,
      { ...resume, matches: options.matches },
      (closed) => this.#views.delete(closed),
    );
    this.#views.add(view);
    return view;
  }

  /**
   * What changed since `from` (a position this table has passed): every key whose value came
   * from at or after it, and every key deleted since. Undefined when the deletes since `from`
   * are no longer all known, so the caller must send everything instead.
   */
  changesSince(
    from: readonly number[],
  ): { sets: Array<[string, V]>; deletes: string[] } | undefined {
    const changed = this.#changedSince(from);
    if (changed === undefined) return undefined;
    const store = this.#store;
    const sets = changed.slots.map((slot, i): [string, V] => [
      changed.keys[i]!,
      decodeStored(store.text(slot), store.isPlain(slot)),
    ]);
    return { sets, deletes: changed.deletes };
  }

  /** {@link changesSince} with values as stored wire text, for the bridge. */
  wireChangesSince(from: readonly number[]): { sets: WireEntry[]; deletes: string[] } | undefined {
    const changed = this.#changedSince(from);
    if (changed === undefined) return undefined;
    const store = this.#store;
    const sets = changed.slots.map(
      (slot, i): WireEntry => [changed.keys[i]!, store.text(slot), store.isPlain(slot)],
    );
    return { sets, deletes: changed.deletes };
  }

  #changedSince(
    from: readonly number[],
  ): { keys: string[]; slots: number[]; deletes: string[] } | undefined {
    if (!this.#knowsDeletesSince(from)) return undefined;
    const store = this.#store;
    const keys: string[] = [];
    const slots: number[] = [];
    for (const [key, slot] of store) {
      if (store.offset(slot) >= (from[store.partition(slot)] ?? 0)) {
        keys.push(key);
        slots.push(slot);
      }
    }
    return { keys, slots, deletes: [...this.tombstones.deletedSince(from)] };
  }

  /** Whether every delete since `from` is still in the tombstone history. */
  #knowsDeletesSince(from: readonly number[]): boolean {
    for (let p = 0; p < this.tombstones.horizon.length; p++) {
      if ((from[p] ?? 0) < (this.tombstones.horizon[p] ?? 0)) return false;
    }
    return true;
  }

  // Reads: each decodes the stored text again.

  get size(): number {
    return this.#store.size;
  }

  has(key: string): boolean {
    return this.#store.has(key);
  }

  get(key: string): V | undefined {
    const store = this.#store;
    const slot = store.slot(key);
    return slot === undefined ? undefined : decodeStored(store.text(slot), store.isPlain(slot));
  }

  entry(key: string): TableEntry<V> | undefined {
    const store = this.#store;
    const slot = store.slot(key);
    if (slot === undefined) return undefined;
    return {
      value: decodeStored(store.text(slot), store.isPlain(slot)),
      partition: store.partition(slot),
      offset: store.offset(slot),
    };
  }

  keys(): IterableIterator<string> {
    return this.#store.keys();
  }

  *entries(): IterableIterator<[string, V]> {
    const store = this.#store;
    for (const [key, slot] of store) {
      yield [key, decodeStored(store.text(slot), store.isPlain(slot))];
    }
  }

  /** The stored wire text of one key, without decoding. */
  wire(key: string): WireEntry | undefined {
    const store = this.#store;
    const slot = store.slot(key);
    return slot === undefined ? undefined : [key, store.text(slot), store.isPlain(slot)];
  }

  /** Every key with its stored wire text, without decoding. */
  *wireEntries(): IterableIterator<WireEntry> {
    const store = this.#store;
    for (const [key, slot] of store) yield [key, store.text(slot), store.isPlain(slot)];
  }
}
