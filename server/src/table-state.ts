import type { Codec } from '../../shared/src/codecs/codec.js';
import { type SequencedEntry, SnapshotView, type SnapshotViewOptions } from './snapshot-view.js';
import type { RawRecord, RecordBatch } from './source/kafka-source.js';
import type { TableChange } from './table-change.js';
import { TombstoneLog } from './tombstone-log.js';

/**
 * Mutable on purpose: a replay writes each key many times, and updating the entry in place
 * instead of allocating a new one per record keeps the replay cheap on the garbage collector.
 */
class Entry<V> implements SequencedEntry<V> {
  constructor(
    public value: V,
    public partition: number,
    public offset: number,
    /** Insertion order, for snapshot views; an in-place update keeps it. */
    readonly seq: number,
  ) {}
}

/**
 * The compacted map and its bookkeeping, with no I/O: it applies record batches under the apply
 * rules and reports what changed. Everything asynchronous lives in KafkaTable.
 */
export class TableState<V> {
  readonly entries = new Map<string, Entry<V>>();
  /** Next offset to apply, indexed by partition; a hole means the partition is unknown yet. */
  readonly positions: number[] = [];
  recordsApplied = 0;
  tombstonesApplied = 0;
  keylessRecords = 0;
  keyDecodeErrors = 0;
  valueDecodeErrors = 0;

  readonly tombstones: TombstoneLog;
  /** Open snapshot views: each hears about a key before it changes. */
  readonly #views = new Set<SnapshotView<V>>();
  #nextSeq = 0;

  constructor(
    private readonly keyCodec: Codec<string>,
    private readonly valueCodec: Codec<V>,
    tombstoneCapacity = 100_000,
  ) {
    this.tombstones = new TombstoneLog(tombstoneCapacity);
  }

  /**
   * Applies one batch. Returns whether the partition had to be rebuilt. `changes`, when given,
   * receives every change that altered the map, in apply order.
   *
   * Rules, in order: records before the partition's position are duplicates (a refetch after a
   * rebalance) and are skipped; no key → counted, skipped; key fails to decode → counted,
   * skipped, tombstones too; null value → delete; value fails to decode → counted and the
   * previous value stays; anything else, including zero bytes, is stored.
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
    const keys = this.#decodeKeys(records, from);
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
  #decodeKeys(records: readonly RawRecord[], from: number): Array<string | undefined> {
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
   * Applies the last record of a key in a batch. If its value does not decode, the key's
   * previous record in the batch is the value to keep, so the search goes back through them.
   */
  #applyLast(
    records: readonly RawRecord[],
    keys: ReadonlyArray<string | undefined>,
    index: number,
    partition: number,
    changes: TableChange<V>[] | undefined,
  ): void {
    const key = keys[index]!;
    for (let i = index; i >= 0; i--) {
      if (keys[i] !== key) continue;
      const record = records[i]!;
      if (record.value === null) {
        const old = this.entries.get(key);
        if (old !== undefined) {
          this.#beforeChange(key, old);
          this.entries.delete(key);
          changes?.push({ key, deleted: true, partition, offset: record.offset });
        }
        this.tombstones.record(key, partition, record.offset);
        return;
      }
      let value: V;
      try {
        value = this.valueCodec.decode(record.value);
      } catch {
        this.valueDecodeErrors++;
        continue;
      }
      const entry = this.entries.get(key);
      if (entry === undefined) {
        this.#beforeChange(key, undefined);
        this.tombstones.forget(key);
        this.entries.set(key, new Entry(value, partition, record.offset, this.#nextSeq++));
      } else if (this.#views.size > 0) {
        // A view may keep the old entry: replace it instead of mutating it, in the same place.
        this.#beforeChange(key, entry);
        this.entries.set(key, new Entry(value, partition, record.offset, entry.seq));
      } else {
        entry.value = value;
        entry.partition = partition;
        entry.offset = record.offset;
      }
      changes?.push({ key, deleted: false, value, partition, offset: record.offset });
      return;
    }
  }

  #dropPartition(partition: number, newStart: number, changes: TableChange<V>[] | undefined) {
    for (const [key, entry] of this.entries) {
      if (entry.partition !== partition) continue;
      this.#beforeChange(key, entry);
      this.entries.delete(key);
      changes?.push({ key, deleted: true, partition, offset: newStart });
    }
    this.positions[partition] = newStart;
    this.tombstones.resetPartition(partition, newStart);
  }

  #beforeChange(key: string, entry: Entry<V> | undefined): void {
    for (const view of this.#views) view.beforeChange(key, entry);
  }

  /**
   * The table as it is now, to be read a slice at a time while batches keep being applied (see
   * SnapshotView). With `since`, only what changed since that position (a resume), unless the
   * deletes since it are no longer all known: then the view is a reset. Close it when done.
   */
  openView(
    position: readonly number[],
    options: { since?: readonly number[]; matches?: (key: string) => boolean } = {},
  ): SnapshotView<V> {
    let resume: SnapshotViewOptions = {};
    const since = options.since;
    if (since !== undefined && this.#knowsDeletesSince(since)) {
      resume = { since, deletes: [...this.tombstones.deletedSince(since)] };
    }
    const view = new SnapshotView<V>(
      this.entries,
      position,
      { ...resume, matches: options.matches },
      (closed) => this.#views.delete(closed),
    );
    this.#views.add(view);
    return view;
  }

  #knowsDeletesSince(from: readonly number[]): boolean {
    for (let p = 0; p < this.tombstones.horizon.length; p++) {
      if ((from[p] ?? 0) < (this.tombstones.horizon[p] ?? 0)) return false;
    }
    return true;
  }

  /**
   * What changed since `from` (a position this table has passed): every key whose value came
   * from at or after it, and every key deleted since. Undefined when the deletes since `from`
   * are no longer all known, so the caller must send everything instead.
   */
  changesSince(
    from: readonly number[],
  ): { sets: Array<[string, V]>; deletes: string[] } | undefined {
    if (!this.#knowsDeletesSince(from)) return undefined;
    const sets: Array<[string, V]> = [];
    for (const [key, entry] of this.entries) {
      if (entry.offset >= (from[entry.partition] ?? 0)) sets.push([key, entry.value]);
    }
    return { sets, deletes: [...this.tombstones.deletedSince(from)] };
  }
}
