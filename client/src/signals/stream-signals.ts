import { type ReadonlySignal, signal } from '@preact/signals-core';
import type { StreamHandle } from '../stream/stream-handle.js';
import type { StreamRow } from '../stream/stream-row.js';
import type { TableHandleStatus } from '../table-handle.js';

export interface SignalsStream<T> {
  /** The rows in order as of the last batch; a new array after each batch that changed them. */
  readonly rows: ReadonlySignal<readonly StreamRow<T>[]>;
  readonly status: ReadonlySignal<TableHandleStatus>;
  /** Stops updating the signals (they keep their last values). */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Signals over a stream handle, listening from creation until `dispose()`, as {@link signals}. */
export function streamSignals<T>(stream: StreamHandle<T>): SignalsStream<T> {
  const rows = signal(stream.rows);
  const status = signal(stream.status);
  const stopRows = stream.subscribe(() => {
    rows.value = stream.rows;
  });
  const stopStatus = stream.onStatus((next) => {
    status.value = next;
  });
  function dispose(): void {
    stopRows();
    stopStatus();
  }
  return { rows, status, dispose, [Symbol.dispose]: dispose };
}
