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
import {
  type HookPrimitives,
  type TableState,
  type TypedHooks,
  typedHooks,
  type UseFlagOptions,
  type UseTableKeyOptions,
  type UseTableOptions,
  useFlagWith,
  useTableKeyWith,
  useTableWith,
} from './bindings.js';

export {
  type AnyTablecastClient,
  type TableName,
  type TypedClient,
  typedClient,
} from '../typed-tables.js';
export type {
  ClientOption,
  TablecastHooks,
  TableState,
  TypedHooks,
  UseFlagOptions,
  UseTableKeyOptions,
  UseTableOptions,
} from './bindings.js';

const ClientContext = createContext<AnyTablecastClient | null>(null);

export interface TablecastProviderProps {
  readonly client: AnyTablecastClient;
  readonly children?: ReactNode;
}

/** Makes `client` the default of every tablecast hook below it. */
export function TablecastProvider({ client, children }: TablecastProviderProps): ReactElement {
  return createElement(ClientContext.Provider, { value: client }, children);
}

/** The provider's client, or null outside any provider. */
export function useTablecastClient(): AnyTablecastClient | null {
  return useContext(ClientContext);
}

const primitives: HookPrimitives = {
  useSyncExternalStore,
  useMemo,
  useState,
  useEffect,
  useClient: useTablecastClient,
};

/** The table as of the last applied batch, with its status; re-renders once per batch. */
export function useTable<V = unknown>(name: string, options?: UseTableOptions<V>): TableState<V> {
  return useTableWith(primitives, name, options);
}

/** One key's value (or the default); re-renders only when that key changes. */
export function useTableKey<V = unknown>(
  name: string,
  key: string,
  options?: UseTableKeyOptions<V>,
): V | undefined {
  return useTableKeyWith(primitives, name, key, options);
}

/** A flag from the `flags` table; `defaultValue` until caught up, when missing or mistyped. */
export function useFlag<T>(name: string, defaultValue: T, options?: UseFlagOptions): T {
  return useFlagWith(primitives, name, defaultValue, options);
}

/** The hooks typed by a declaration of the app's tables: `createTypedHooks<AppTables>()`. */
export function createTypedHooks<T>(): TypedHooks<T> {
  return typedHooks<T>({ useTable, useTableKey, useFlag });
}
