import { TablecastError } from './errors.js';
import type { SnapshotView } from './snapshot-view.js';
import type { TableState } from './table-state.js';
import type { TableEntry, TablePosition, WireEntry } from './table-types.js';

/**
 * The read side of a table: the map as it is now, decoded from the stored wire text on every
 * read. Reads throw before start(); after stop() or failure they serve the frozen state.
 * KafkaTable adds the lifecycle that fills it.
 */
export class TableReads<V> implements Iterable<[string, V]> {
  /** Set by start(): reads before it throw. */
  protected started = false;

  constructor(
    readonly topic: string,
    protected readonly state: TableState<V>,
  ) {}

  protected assertStarted(): void {
    if (!this.started) {
      throw new TablecastError(
        'TABLE_NOT_STARTED',
        `Table "${this.topic}" has not been started; call and await start() before reading.`,
      );
    }
  }

  get(key: string): V | undefined {
    this.assertStarted();
    return this.state.get(key);
  }

  /**
   * The table at its current `position`, to be read a slice at a time while batches keep being
   * applied: a streamed snapshot that still describes one position. With `since`, only what
   * changed since then (`mode` 'resume'), unless the deletes since then are no longer all known
   * (`mode` 'reset'). Holds the old value of every key that changes before it is read: close it
   * as soon as it is not needed.
   */
  openView(
    options: { since?: TablePosition; matches?: (key: string) => boolean } = {},
  ): SnapshotView {
    this.assertStarted();
    return this.state.openView(this.position, options);
  }

  /** The value of `key` with the partition and offset of the record it came from. */
  entry(key: string): TableEntry<V> | undefined {
    this.assertStarted();
    return this.state.entry(key);
  }

  has(key: string): boolean {
    this.assertStarted();
    return this.state.has(key);
  }

  get size(): number {
    this.assertStarted();
    return this.state.size;
  }

  *keys(): IterableIterator<string> {
    this.assertStarted();
    yield* this.state.keys();
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  *entries(): IterableIterator<[string, V]> {
    this.assertStarted();
    yield* this.state.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** A copy of the map as it is now. */
  snapshot(): Map<string, V> {
    return new Map(this.entries());
  }

  /**
   * Every key with its value's wire form as stored, without decoding: what the bridge sends.
   * See {@link WireEntry}.
   */
  *wireEntries(): IterableIterator<WireEntry> {
    this.assertStarted();
    yield* this.state.wireEntries();
  }

  /** One key's value as stored wire text, without decoding. */
  wire(key: string): WireEntry | undefined {
    this.assertStarted();
    return this.state.wire(key);
  }

  /** The next offset the table will apply, per partition (index = partition). A copy. */
  get position(): TablePosition {
    return Array.from(this.state.positions, (offset) => offset ?? 0);
  }

  /**
   * What changed since `from` (a position this table has passed): the current value of every key
   * written at or after it, and the keys deleted since. Undefined when the table can no longer
   * prove it knows every delete since `from` (its tombstone history was exceeded, or the log was
   * truncated): send a full snapshot instead.
   */
  changesSince(from: TablePosition): { sets: Array<[string, V]>; deletes: string[] } | undefined {
    this.assertStarted();
    return this.state.changesSince(from);
  }

  /** {@link changesSince} with values as their stored wire text (see {@link wireEntries}). */
  wireChangesSince(from: TablePosition): { sets: WireEntry[]; deletes: string[] } | undefined {
    this.assertStarted();
    return this.state.wireChangesSince(from);
  }
}
