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
import { bindHooks, type TablecastHooks, type TypedHooks } from './bindings.js';

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

const hooks = bindHooks({
  useSyncExternalStore,
  useMemo,
  useState,
  useEffect,
  useClient: useTablecastClient,
});

/** The table as of the last applied batch, with its status; re-renders once per batch. */
export const useTable: TablecastHooks['useTable'] = hooks.useTable;

/** One key's value (or the default); re-renders only when that key changes. */
export const useTableKey: TablecastHooks['useTableKey'] = hooks.useTableKey;

/** A flag from the `flags` table; `defaultValue` until caught up, when missing or mistyped. */
export const useFlag: TablecastHooks['useFlag'] = hooks.useFlag;

/** The hooks typed by a declaration of the app's tables: `createTypedHooks<AppTables>()`. */
export const createTypedHooks: <T>() => TypedHooks<T> = hooks.createTypedHooks;
