import {
  type CompositeKeyCodec,
  defaultCompositeKeyCodec,
} from '../../shared/src/codecs/composite-key.js';
import { TablecastError } from './errors.js';
import type { KafkaTable, StatusListener } from './kafka-table.js';
import type { LogPosition, TableChange, TableStats, TableStatus } from './table-types.js';

/** One applied change of a grouped table, in apply order. */
export type GroupedChange<V> =
  | { readonly group: string; readonly member: string; readonly deleted: false; readonly value: V }
  | { readonly group: string; readonly member: string; readonly deleted: true };

export interface GroupedKafkaTableOptions {
  /** How `(group, member)` pairs map to keys; ktables' length-prefixed codec by default. */
  readonly keyCodec?: CompositeKeyCodec;
}

/**
 * A nested `{ group: { member: value } }` view of a compacted topic whose keys are composite
 * (`keyCodec.encode(group, member)`), the layout of the Python ktables `GroupedKafkaTable`.
 * Each member is its own compaction key, so writers sharing a group never lose each other's
 * updates.
 *
 * It composes a `KafkaTable` (which materializes the flat keys) and keeps a per-group index of
 * member keys from its changes, so `members(group)` costs the size of the group, not of the
 * table. The
 * table's guarantees carry over: status gate, `barrier`/`waitFor`, per-key exactness. Serve
 * `grouped.table` from a bridge and clients read one group through a `{ prefix }` filter.
 *
 * Keys the codec does not decode (foreign keys on a shared topic) are counted in
 * `foreignKeys` and skipped, as ktables does.
 */
export class GroupedKafkaTable<V> {
  readonly table: KafkaTable<V>;
  readonly keyCodec: CompositeKeyCodec;
  /**
   * group → member → flat key. Values stay in the table and are read through it, so the index
   * costs a few pointers per key and never disagrees with the table's value (or its encoding).
   */
  readonly #index = new Map<string, Map<string, string>>();
  readonly #listeners = new Set<(changes: readonly GroupedChange<V>[]) => void>();
  #foreignKeys = 0;

  /** Indexes `table` from now on; an already started table is indexed from its current map. */
  constructor(table: KafkaTable<V>, options: GroupedKafkaTableOptions = {}) {
    this.table = table;
    this.keyCodec = options.keyCodec ?? defaultCompositeKeyCodec;
    // Reading the map and subscribing in one synchronous run: no change falls between them.
    if (table.status !== 'unstarted') {
      for (const key of table.keys()) this.#set(key);
    }
    table.onChanges((changes) => this.#apply(changes));
  }

  get topic(): string {
    return this.table.topic;
  }

  get status(): TableStatus {
    return this.table.status;
  }

  get failure(): Error | undefined {
    return this.table.failure;
  }

  get stats(): TableStats {
    return this.table.stats;
  }

  /** Records whose key the codec does not decode: counted and skipped. */
  get foreignKeys(): number {
    return this.#foreignKeys;
  }

  /** See `KafkaTable.start`: resolves once caught up, or degraded after the catch-up timeout. */
  start(): Promise<void> {
    return this.table.start();
  }

  stop(): Promise<void> {
    return this.table.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  onStatus(listener: StatusListener): () => void {
    return this.table.onStatus(listener);
  }

  /** The changes of each applied batch, by group and member; foreign keys left out. */
  onChanges(listener: (changes: readonly GroupedChange<V>[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  waitFor(position: LogPosition, timeoutMs: number): Promise<boolean> {
    return this.table.waitFor(position, timeoutMs);
  }

  barrier(timeoutMs: number): Promise<boolean> {
    return this.table.barrier(timeoutMs);
  }

  // Reads: like KafkaTable's, they throw before start() and serve the frozen state after stop().

  get(group: string, member: string): V | undefined {
    this.#assertStarted();
    const key = this.#index.get(group)?.get(member);
    return key === undefined ? undefined : this.table.get(key);
  }

  has(group: string, member: string): boolean {
    this.#assertStarted();
    return this.#index.get(group)?.has(member) ?? false;
  }

  hasGroup(group: string): boolean {
    this.#assertStarted();
    return this.#index.has(group);
  }

  /** A copy of one group's `{ member → value }`; empty when the group has no members. */
  members(group: string): Map<string, V> {
    this.#assertStarted();
    return this.#values(this.#index.get(group));
  }

  memberCount(group: string): number {
    this.#assertStarted();
    return this.#index.get(group)?.size ?? 0;
  }

  /** The groups with at least one member; a group whose last member is deleted is gone. */
  groups(): string[] {
    this.#assertStarted();
    return [...this.#index.keys()];
  }

  /** A copy of the whole nested view. */
  snapshot(): Map<string, Map<string, V>> {
    this.#assertStarted();
    return new Map([...this.#index].map(([group, members]) => [group, this.#values(members)]));
  }

  #values(members: ReadonlyMap<string, string> | undefined): Map<string, V> {
    const values = new Map<string, V>();
    for (const [member, key] of members ?? []) values.set(member, this.table.get(key) as V);
    return values;
  }

  #assertStarted(): void {
    if (this.table.status !== 'unstarted') return;
    throw new TablecastError(
      'TABLE_NOT_STARTED',
      `Grouped table "${this.topic}" has not been started; call and await start() before reading.`,
    );
  }

  #apply(changes: readonly TableChange<V>[]): void {
    const grouped: GroupedChange<V>[] | undefined = this.#listeners.size > 0 ? [] : undefined;
    for (const change of changes) {
      const pair = change.deleted ? this.#delete(change.key) : this.#set(change.key);
      if (pair === undefined || grouped === undefined) continue;
      const [group, member] = pair;
      grouped.push(
        change.deleted
          ? { group, member, deleted: true }
          : { group, member, deleted: false, value: change.value },
      );
    }
    if (grouped === undefined || grouped.length === 0) return;
    // One listener that throws does not silence the others; the table logs the first error.
    let failure: { error: unknown } | undefined;
    for (const listener of [...this.#listeners]) {
      try {
        listener(grouped);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  #set(key: string): readonly [string, string] | undefined {
    const pair = this.#decode(key);
    if (pair === undefined) return undefined;
    const [group, member] = pair;
    let members = this.#index.get(group);
    if (members === undefined) {
      members = new Map();
      this.#index.set(group, members);
    }
    members.set(member, key);
    return pair;
  }

  #delete(key: string): readonly [string, string] | undefined {
    const pair = this.#decode(key);
    if (pair === undefined) return undefined;
    const [group, member] = pair;
    const members = this.#index.get(group);
    if (members?.delete(member) && members.size === 0) this.#index.delete(group);
    return pair;
  }

  #decode(key: string): readonly [string, string] | undefined {
    let pair: readonly [string, string] | undefined;
    try {
      pair = this.keyCodec.decode(key);
    } catch {
      // A codec that throws breaks its contract; treat the key as foreign, as ktables does.
      pair = undefined;
    }
    if (pair === undefined) this.#foreignKeys++;
    return pair;
  }
}
