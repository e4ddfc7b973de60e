import type { KeyChange } from './key-change.js';

/**
 * The changes of one applied batch. A reset snapshot is applied by swapping maps, so that its
 * last step costs the same for ten keys or a million (no main-thread task grows with the table);
 * its list of changes is only built when a change listener asks for it, and per-key listeners
 * look up their own keys instead.
 */
export interface BatchChanges<V> {
  /** Whether any key changed: a batch that changed nothing notifies nobody. */
  readonly any: boolean;
  /** Every change, one per key (built on the first call for a swap: O(table)). */
  list(): readonly KeyChange<V>[];
  /** Of `watched`, the keys this batch changed. */
  changedAmong(watched: ReadonlyMap<string, unknown>): string[];
}

/** The changes of a batch that listed them as it went (deltas, resumes, optimistic writes). */
export function listedChanges<V>(changes: readonly KeyChange<V>[]): BatchChanges<V> {
  return {
    any: changes.length > 0,
    list: () => changes,
    changedAmong: (watched) => changes.filter((c) => watched.has(c.key)).map((c) => c.key),
  };
}

/**
 * The changes from `previous` to `next`, one map replacing the other. `differs` is whether some
 * key of `next` is missing from `previous` or holds another value there, when the caller
 * already knows (a snapshot learns it part by part); without it, it is found here in O(n).
 */
export function swapChanges<V>(
  previous: ReadonlyMap<string, V>,
  next: ReadonlyMap<string, V>,
  differs?: boolean,
): BatchChanges<V> {
  const same = (key: string) =>
    previous.has(key) === next.has(key) && Object.is(previous.get(key), next.get(key));
  let listed: KeyChange<V>[] | undefined;
  const list = (): KeyChange<V>[] => {
    if (listed !== undefined) return listed;
    listed = [];
    for (const key of previous.keys()) {
      if (!next.has(key)) listed.push({ key, deleted: true });
    }
    for (const [key, value] of next) {
      if (!previous.has(key) || !Object.is(previous.get(key), value)) {
        listed.push({ key, deleted: false, value });
      }
    }
    return listed;
  };
  // When every key of `next` is in `previous` with the same value, only deletions remain, and
  // there are some exactly when the sizes differ.
  const any = previous.size !== next.size || (differs ?? list().length > 0);
  return {
    any,
    list,
    changedAmong: (watched) => (any ? [...watched.keys()].filter((key) => !same(key)) : []),
  };
}
