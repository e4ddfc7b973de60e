import { distinctUntilChanged, Observable } from 'rxjs';
import type { KeyChange } from '../key-change.js';
import type { TableHandle, TableHandleStatus } from '../table-handle.js';

export interface RxTable<V> {
  /** The current map on subscribe, then the map after every applied batch. */
  readonly table$: Observable<ReadonlyMap<string, V>>;
  /** The changes of every applied batch from subscription on; nothing on subscribe. */
  readonly changes$: Observable<readonly KeyChange<V>[]>;
  /** The current status on subscribe, then every change of it. */
  readonly status$: Observable<TableHandleStatus>;
}

/**
 * Observables over a table handle. They are cold: each subscription adds a listener to the
 * handle and unsubscribing removes it. They never complete; closing the handle just stops them.
 */
export function rx<V>(handle: TableHandle<V>): RxTable<V> {
  const table$ = new Observable<ReadonlyMap<string, V>>((subscriber) => {
    subscriber.next(handle.getSnapshot());
    return handle.subscribe(() => subscriber.next(handle.getSnapshot()));
  });
  const changes$ = new Observable<readonly KeyChange<V>[]>((subscriber) =>
    handle.onChanges((changes) => subscriber.next(changes)),
  );
  const status$ = new Observable<TableHandleStatus>((subscriber) => {
    subscriber.next(handle.status);
    return handle.onStatus((status) => subscriber.next(status));
  }).pipe(distinctUntilChanged());
  return { table$, changes$, status$ };
}
