import type { TableHandle } from '../client/src/table-handle.js';
import { until } from './fixtures.js';

/** Resolves when the handle's map satisfies `predicate`, checked on every applied batch. */
export function untilMap<V>(
  handle: TableHandle<V>,
  predicate: (map: ReadonlyMap<string, V>) => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  return until(
    (listener) => handle.subscribe(listener),
    () => predicate(handle.getSnapshot()),
    `the map of table "${handle.name}" (now ${JSON.stringify([...handle.getSnapshot()])})`,
    timeoutMs,
  );
}
