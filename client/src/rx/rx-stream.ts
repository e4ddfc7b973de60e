import { distinctUntilChanged, Observable } from 'rxjs';
import type { StreamHandle } from '../stream/stream-handle.js';
import type { StreamRow } from '../stream/stream-row.js';
import type { TableHandleStatus } from '../table-handle.js';

export interface RxStream<T> {
  /** The rows in order on subscribe, then after every batch that changed them. */
  readonly rows$: Observable<readonly StreamRow<T>[]>;
  /** The current status on subscribe, then every change of it. */
  readonly status$: Observable<TableHandleStatus>;
}

/** Observables over a stream handle; cold, never complete, like {@link rx}'s. */
export function rxStream<T>(stream: StreamHandle<T>): RxStream<T> {
  const rows$ = new Observable<readonly StreamRow<T>[]>((subscriber) => {
    subscriber.next(stream.rows);
    return stream.subscribe(() => subscriber.next(stream.rows));
  });
  const status$ = new Observable<TableHandleStatus>((subscriber) => {
    subscriber.next(stream.status);
    return stream.onStatus((status) => subscriber.next(status));
  }).pipe(distinctUntilChanged());
  return { rows$, status$ };
}
