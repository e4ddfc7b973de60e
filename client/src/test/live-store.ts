import type { Position } from '../../../shared/src/protocol/messages.js';
import { TableStore } from '../table-store.js';

export const at = (...offsets: number[]): Position => ({ topicId: 't1', offsets });

/** A store that went through a subscription and a reset snapshot of `entries`. */
export function liveStore<V>(entries: [string, V][], position: Position = at(1)): TableStore<V> {
  const store = new TableStore<V>({ name: 'test' });
  store.startSubscription();
  store.snapshotBegin('reset');
  store.snapshotPart(entries, []);
  store.snapshotEnd(position, 'caught_up');
  return store;
}
