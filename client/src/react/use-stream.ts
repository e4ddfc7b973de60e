// `useStream` of `tablecast/react` and `tablecast/preact`, over the same primitives as the
// other hooks. In its own module, so apps that never read a stream do not carry it.
import { OrderedRows } from '../stream/ordered-rows.js';
import type { StreamRow } from '../stream/stream-row.js';
import type { TableHandle, TableHandleStatus } from '../table-handle.js';
import { type ClientOption, type HookPrimitives, useHandle } from './bindings.js';

export interface UseStreamOptions extends ClientOption {
  /** Only the last `limit` rows in order (the newest). Default all the bridge holds. */
  readonly limit?: number;
}

/** What `useStream` returns; a new object only when one of its fields changes. */
export interface StreamView<T> {
  /** The rows in order of time, then partition, then offset. */
  readonly rows: readonly StreamRow<T>[];
  readonly status: TableHandleStatus;
  /** Why the stream is `failed` or `degraded`; undefined otherwise. */
  readonly error: string | undefined;
}

export type UseStream = <T = unknown>(name: string, options?: UseStreamOptions) => StreamView<T>;

interface Source {
  readonly subscribe: (onChange: () => void) => () => void;
  readonly getSnapshot: () => StreamView<unknown>;
}

/**
 * One ordered view per handle, shared by every component reading it, kept from the handle's
 * changes (never sorted again per batch). It listens for as long as the handle lives: a closed
 * handle drops its listeners.
 */
const sources = new WeakMap<TableHandle<StreamRow<unknown>>, Source>();

function source(handle: TableHandle<StreamRow<unknown>>): Source {
  let found = sources.get(handle);
  if (found !== undefined) return found;
  const ordered = new OrderedRows<unknown>();
  ordered.apply([...handle.entries()].map(([key, value]) => ({ key, deleted: false, value })));
  const listeners = new Set<() => void>();
  handle.onChanges((changes) => {
    if (!ordered.apply(changes)) return;
    for (const listener of [...listeners]) listener();
  });
  let last: StreamView<unknown> | undefined;
  found = {
    subscribe: (onChange) => {
      listeners.add(onChange);
      const stopStatus = handle.onStatus(onChange);
      return () => {
        listeners.delete(onChange);
        stopStatus();
      };
    },
    getSnapshot: () => {
      const rows = ordered.rows;
      const { status } = handle;
      const error = status === 'failed' || status === 'degraded' ? handle.statusReason : undefined;
      if (last?.rows !== rows || last.status !== status || last.error !== error) {
        last = { rows, status, error };
      }
      return last;
    },
  };
  sources.set(handle, found);
  return found;
}

/** The hook bound to one framework's primitives. */
export function bindStreamHook(fw: HookPrimitives): UseStream {
  return <T>(name: string, options: UseStreamOptions = {}) => {
    const { limit, ...rest } = options;
    const { handle } = useHandle<StreamRow<unknown>>(fw, 'useStream', name, rest);
    const view = source(handle);
    const state = fw.useSyncExternalStore(view.subscribe, view.getSnapshot, view.getSnapshot);
    return fw.useMemo(
      () =>
        (limit === undefined || state.rows.length <= limit
          ? state
          : { ...state, rows: state.rows.slice(-limit) }) as StreamView<T>,
      [state, limit],
    );
  };
}
