// The `tablecast/react` entry point: the shared bindings over React's own hooks.
import {
  createContext,
  createElement,
  type ReactElement,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
} from 'react';
import type { AnyTablecastClient } from '../typed-tables.js';
import { bindHooks, type ProviderValue, type TablecastHooks } from './bindings.js';
import {
  bindTypedHooks,
  type RowValue,
  type StreamTableName,
  type TypedHooks,
} from './typed-hooks.js';
import {
  bindStreamHook,
  type StreamView,
  type UseStream,
  type UseStreamOptions,
} from './use-stream.js';
import { bindWriteHook, type TableWriter, type UseWriteOptions } from './write-hook.js';

export {
  type AnyTablecastClient,
  type TableName,
  type TypedClient,
  typedClient,
} from '../typed-tables.js';
export type {
  ClientOption,
  TablecastHooks,
  TableView,
  TypedTableHooks,
  UseFlagOptions,
  UseGroupOptions,
  UseTableKeyOptions,
  UseTableOptions,
} from './bindings.js';

const ProviderContext = createContext<ProviderValue | null>(null);

export interface TablecastProviderProps {
  readonly client: AnyTablecastClient;
  /** The table `useFlag` reads when its options name none. Default `'flags'`. */
  readonly flagsTable?: string;
  readonly children?: ReactNode;
}

/** Makes `client` (and `flagsTable`) the default of every tablecast hook below it. */
export function TablecastProvider({
  client,
  flagsTable,
  children,
}: TablecastProviderProps): ReactElement {
  const value = useMemo(() => ({ client, flagsTable }), [client, flagsTable]);
  return createElement(ProviderContext.Provider, { value }, children);
}

/** The provider's client, or null outside any provider. */
export function useTablecastClient(): AnyTablecastClient | null {
  return useContext(ProviderContext)?.client ?? null;
}

function useFlagsTable(): string | undefined {
  return useContext(ProviderContext)?.flagsTable;
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
