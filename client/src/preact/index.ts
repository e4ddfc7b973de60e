// The `tablecast/preact` entry point: the shared bindings over `preact/hooks`. Not
// `preact/compat`: importing it patches Preact's options for every app that loads us.
import { type ComponentChildren, createContext, h } from 'preact';
import { useContext, useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { bindHooks, type ProviderValue, type TablecastHooks } from '../react/bindings.js';
import {
  bindTypedHooks,
  type RowValue,
  type StreamTableName,
  type TypedHooks,
} from '../react/typed-hooks.js';
import {
  bindStreamHook,
  type StreamView,
  type UseStream,
  type UseStreamOptions,
} from '../react/use-stream.js';
import { bindWriteHook, type TableWriter, type UseWriteOptions } from '../react/write-hook.js';
import type { AnyTablecastClient } from '../typed-tables.js';

export type {
  ClientOption,
  TablecastHooks,
  TableView,
  TypedTableHooks,
  UseFlagOptions,
  UseGroupOptions,
  UseTableKeyOptions,
  UseTableOptions,
} from '../react/bindings.js';
export {
  type AnyTablecastClient,
  type TableName,
  type TypedClient,
  typedClient,
} from '../typed-tables.js';

const ProviderContext = createContext<ProviderValue | null>(null);

export interface TablecastProviderProps {
  readonly client: AnyTablecastClient;
  /** The table `useFlag` reads when its options name none. Default `'flags'`. */
  readonly flagsTable?: string;
  readonly children?: ComponentChildren;
}

/** Makes `client` (and `flagsTable`) the default of every tablecast hook below it. */
export function TablecastProvider({
  client,
  flagsTable,
  children,
}: TablecastProviderProps): ComponentChildren {
  const value = useMemo(() => ({ client, flagsTable }), [client, flagsTable]);
  return h(ProviderContext.Provider, { value }, children);
}

/** The provider's client, or null outside any provider. */
export function useTablecastClient(): AnyTablecastClient | null {
  return useContext(ProviderContext)?.client ?? null;
}

function useFlagsTable(): string | undefined {
  return useContext(ProviderContext)?.flagsTable;
}

/**
 * `useSyncExternalStore` as preact/compat implements it (a forced update when the snapshot
 * changed), minus compat. Snapshots are compared by identity, which the bindings keep stable.
 */
function useSyncExternalStore<T>(
  subscribe: (onChange: () => void) => () => void,
  getSnapshot: () => T,
): T {
  const value = getSnapshot();
  const [{ store }, forceUpdate] = useState({ store: { value, getSnapshot } });
  useLayoutEffect(() => {
    store.value = value;
    store.getSnapshot = getSnapshot;
    if (changed(store)) forceUpdate({ store });
  }, [store, value, getSnapshot]);
  useEffect(() => {
    // A change between render and subscribing would otherwise be missed.
    if (changed(store)) forceUpdate({ store });
    return subscribe(() => {
      if (changed(store)) forceUpdate({ store });
    });
  }, [store, subscribe]);
  return value;
}

function changed<T>(store: { value: T; getSnapshot: () => T }): boolean {
  return !Object.is(store.value, store.getSnapshot());
}

const primitives = {
  useSyncExternalStore,
  useMemo,
  useState,
  useEffect,
  useClient: useTablecastClient,
  useFlagsTable,
};
const hooks = bindHooks(primitives);

/** The table as of the last applied batch, with its status; re-renders once per batch. */
export const useTable: TablecastHooks['useTable'] = hooks.useTable;

/** One key's value (or the default); re-renders only when that key changes. */
export const useTableKey: TablecastHooks['useTableKey'] = hooks.useTableKey;

/** A flag from the provider's `flagsTable` (default `flags`); `defaultValue` until caught up, when missing or mistyped. */
export const useFlag: TablecastHooks['useFlag'] = hooks.useFlag;

/** One group of a grouped table (`{ member → value }`), subscribed to that group's keys only. */
export const useGroup: TablecastHooks['useGroup'] = hooks.useGroup;

/** A stream table's rows in order (time, partition, offset); `{ limit }` keeps the newest n. */
export const useStream: UseStream = /* @__PURE__ */ bindStreamHook(primitives);

/**
 * The hooks typed by a declaration of the app's tables: `createTypedHooks<AppTables>()`. Stream
 * tables are declared as rows, `{ deploys: StreamRow<Deploy> }`, and read with its `useStream`.
 */
export const createTypedHooks: <T>() => TypedHooks<T> = /* @__PURE__ */ bindTypedHooks(
  hooks,
  useStream,
);

export type {
  RowValue,
  StreamTableName,
  StreamView,
  TableWriter,
  TypedHooks,
  UseStream,
  UseStreamOptions,
  UseWriteOptions,
};

/**
 * Writes to a table through the bridge: `set`/`delete` resolve once the table shows the write;
 * `pending` holds the keys in flight and `error` the last failure.
 */
export const useWrite: <V = unknown>(name: string, options?: UseWriteOptions) => TableWriter<V> =
  bindWriteHook({ useMemo, useState, useClient: useTablecastClient });
