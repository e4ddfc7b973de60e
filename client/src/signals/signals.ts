import { computed, type ReadonlySignal, signal } from '@preact/signals-core';
import type { TableHandle, TableHandleStatus } from '../table-handle.js';

export interface SignalsTable<V> {
  /** The map as of the last applied batch; a new Map object after each batch. */
  readonly map: ReadonlySignal<ReadonlyMap<string, V>>;
  readonly status: ReadonlySignal<TableHandleStatus>;
  /** One cached signal per key; it changes only when that key's value does. */
  key(key: string): ReadonlySignal<V | undefined>;
  /** Stops updating every signal of this object (they keep their last values). */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * Signals over a table handle. `map` and `status` listen to the handle from creation until
 * `dispose()` or until the handle is closed (a closed handle drops its listeners), so that a
 * plain `.value` read outside any effect is always current; lazy `watched`/`unwatched`
 * subscriptions would leave unwatched reads stale.
 *
 * `key(k)` is a computed over `map`: on each batch every *watched* key signal does one Map
 * lookup, and preact's equality cut-off notifies only those whose value actually changed.
 * Unwatched key signals cost nothing per batch; the cache keeps one per requested key until
 * `dispose()`.
 */
export function signals<V>(handle: TableHandle<V>): SignalsTable<V> {
  const map = signal(handle.getSnapshot());
  const status = signal(handle.status);
  const cache = new Map<string, ReadonlySignal<V | undefined>>();
  const stopMap = handle.subscribe(() => {
    map.value = handle.getSnapshot();
  });
  const stopStatus = handle.onStatus((next) => {
    status.value = next;
  });

  function key(k: string): ReadonlySignal<V | undefined> {
    let cached = cache.get(k);
    if (cached === undefined) {
      // The default factory may return a fresh object per call: keep one, or the signal
      // would change on every batch while the key is missing.
      let fallback: { readonly value: V | undefined } | undefined;
      cached = computed(() => {
        const current = map.value;
        if (current.has(k)) return current.get(k);
        fallback ??= { value: handle.get(k) };
        return fallback.value;
      });
      cache.set(k, cached);
    }
    return cached;
  }

  function dispose(): void {
    stopMap();
    stopStatus();
    cache.clear();
  }

  return { map, status, key, dispose, [Symbol.dispose]: dispose };
}
