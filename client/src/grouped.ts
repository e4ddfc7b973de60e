// Grouped tables in the client: a table whose keys are composite (group, member) keys, as the
// server's GroupedKafkaTable and Python ktables write them, read as { group: { member: value } }.
import {
  type CompositeKeyCodec,
  defaultCompositeKeyCodec,
} from '../../shared/src/codecs/composite-key.js';
import type { KeyChange } from './key-change.js';
import type { WriteReceipt } from './pending-writes.js';
import type { TableHandle, WriteOptions } from './table-handle.js';

export interface GroupedOptions {
  /** How `(group, member)` pairs map to keys; ktables' length-prefixed codec by default. */
  readonly keyCodec?: CompositeKeyCodec;
}

/**
 * A nested view of a table handle. Snapshots are immutable: `getSnapshot()` and
 * `members(group)` return the same object until a batch changes it (a group's map only when
 * that group changed), so they suit `useSyncExternalStore` and memoized selectors.
 */
export interface GroupedView<V> {
  readonly handle: TableHandle<V>;
  readonly keyCodec: CompositeKeyCodec;
  /** Changes whose key the codec does not decode (foreign keys): counted and left out. */
  readonly foreignKeys: number;
  /** The groups with at least one member. */
  groups(): string[];
  /** One group's members; an empty map when it has none. */
  members(group: string): ReadonlyMap<string, V>;
  get(group: string, member: string): V | undefined;
  has(group: string, member: string): boolean;
  /** Called after each batch that changed some group. Bound. */
  readonly subscribe: (listener: () => void) => () => void;
  /** `{ group → { member → value } }` as of the last batch. Bound. */
  readonly getSnapshot: () => ReadonlyMap<string, ReadonlyMap<string, V>>;
  /** Called after each batch that changed `group`. */
  subscribeGroup(group: string, listener: () => void): () => void;
  /** `handle.set` under the member's composite key (a table the bridge serves as writable). */
  set(group: string, member: string, value: V, options?: WriteOptions): Promise<WriteReceipt>;
  /** `handle.delete` of the member's composite key; the group goes with its last member. */
  delete(group: string, member: string, options?: WriteOptions): Promise<WriteReceipt>;
  /** Stops following the handle (the handle stays open). */
  close(): void;
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();

/**
 * The handle's filter that holds exactly one group: `client.table(name, groupFilter('eu'))`.
 * The composite key's length prefix makes it exact (group "a" never holds group "a1").
 */
export function groupFilter(
  group: string,
  keyCodec: CompositeKeyCodec = defaultCompositeKeyCodec,
): { readonly prefix: string } {
  return { prefix: keyCodec.groupPrefix(group) };
}

/** The members of `group` among a flat map's entries; other keys are left out. */
export function groupMembers<V>(
  entries: Iterable<readonly [string, V]>,
  group: string,
  keyCodec: CompositeKeyCodec = defaultCompositeKeyCodec,
): Map<string, V> {
  const members = new Map<string, V>();
  for (const [key, value] of entries) {
    const pair = keyCodec.decode(key);
    if (pair !== undefined && pair[0] === group) members.set(pair[1], value);
  }
  return members;
}

/**
 * Follows `handle` as a grouped table. Indexed per group from the handle's changes, so a batch
 * costs the size of the groups it touched. Works on a whole table or a `groupFilter` handle.
 */
export function grouped<V>(handle: TableHandle<V>, options: GroupedOptions = {}): GroupedView<V> {
  return new GroupIndex(handle, options.keyCodec ?? defaultCompositeKeyCodec);
}

class GroupIndex<V> implements GroupedView<V> {
  readonly handle: TableHandle<V>;
  readonly keyCodec: CompositeKeyCodec;
  #groups = new Map<string, ReadonlyMap<string, V>>();
  #foreignKeys = 0;
  readonly #listeners = new Set<() => void>();
  readonly #groupListeners = new Map<string, Set<() => void>>();
  readonly #unsubscribe: () => void;

  constructor(handle: TableHandle<V>, keyCodec: CompositeKeyCodec) {
    this.handle = handle;
    this.keyCodec = keyCodec;
    this.#apply([...handle.entries()].map(([key, value]) => ({ key, deleted: false, value })));
    this.#unsubscribe = handle.onChanges((changes) => this.#apply(changes));
  }

  get foreignKeys(): number {
    return this.#foreignKeys;
  }

  groups(): string[] {
    return [...this.#groups.keys()];
  }

  members(group: string): ReadonlyMap<string, V> {
    return this.#groups.get(group) ?? EMPTY;
  }

  get(group: string, member: string): V | undefined {
    return this.#groups.get(group)?.get(member);
  }

  has(group: string, member: string): boolean {
    return this.#groups.get(group)?.has(member) ?? false;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    const entry = () => listener();
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  };

  readonly getSnapshot = (): ReadonlyMap<string, ReadonlyMap<string, V>> => this.#groups;

  subscribeGroup(group: string, listener: () => void): () => void {
    let listeners = this.#groupListeners.get(group);
    if (listeners === undefined) {
      listeners = new Set();
      this.#groupListeners.set(group, listeners);
    }
    const entry = () => listener();
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
      if (listeners.size === 0) this.#groupListeners.delete(group);
    };
  }

  set(group: string, member: string, value: V, options?: WriteOptions): Promise<WriteReceipt> {
    return this.handle.set(this.keyCodec.encode(group, member), value, options);
  }

  delete(group: string, member: string, options?: WriteOptions): Promise<WriteReceipt> {
    return this.handle.delete(this.keyCodec.encode(group, member), options);
  }

  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
    this.#groupListeners.clear();
  }

  #apply(changes: readonly KeyChange<V>[]): void {
    // Each touched group gets one fresh map per batch; untouched groups keep their identity.
    const touched = new Map<string, Map<string, V>>();
    for (const change of changes) {
      const pair = this.#decode(change.key);
      if (pair === undefined) {
        this.#foreignKeys++;
        continue;
      }
      const [group, member] = pair;
      let members = touched.get(group);
      if (members === undefined) {
        members = new Map(this.#groups.get(group));
        touched.set(group, members);
      }
      if (change.deleted) members.delete(member);
      else members.set(member, change.value as V);
    }
    if (touched.size === 0) return;
    const next = new Map(this.#groups);
    for (const [group, members] of touched) {
      if (members.size > 0) next.set(group, members);
      else next.delete(group);
    }
    this.#groups = next;
    const listeners = [...this.#listeners];
    for (const group of touched.keys()) listeners.push(...(this.#groupListeners.get(group) ?? []));
    callAll(listeners);
  }

  #decode(key: string): readonly [string, string] | undefined {
    try {
      return this.keyCodec.decode(key);
    } catch {
      // A codec that throws breaks its contract: its key counts as foreign, as in ktables.
      return undefined;
    }
  }
}

/** Every listener runs even if one throws; the first error is rethrown after (the handle reports it). */
function callAll(listeners: readonly (() => void)[]): void {
  let failure: { error: unknown } | undefined;
  for (const listener of listeners) {
    try {
      listener();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}
