// The `tablecast/preact` entry point: the shared bindings over `preact/hooks`. Not
// `preact/compat`: importing it patches Preact's options for every app that loads us.
import { type ComponentChildren, createContext, h } from 'preact';
import { useContext, useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { bindHooks, type TablecastHooks, type TypedHooks } from '../react/bindings.js';
import type { AnyTablecastClient } from '../typed-tables.js';

export type {
  ClientOption,
  TablecastHooks,
  TableView,
  TypedHooks,
  UseFlagOptions,
  UseTableKeyOptions,
  UseTableOptions,
} from '../react/bindings.js';
export {
  type AnyTablecastClient,
  type TableName,
  type TypedClient,
  typedClient,
} from '../typed-tables.js';

const ClientContext = createContext<AnyTablecastClient | null>(null);

export interface TablecastProviderProps {
  readonly client: AnyTablecastClient;
  readonly children?: ComponentChildren;
}

/** Makes `client` the default of every tablecast hook below it. */
export function TablecastProvider({ client, children }: TablecastProviderProps): ComponentChildren {
  return h(ClientContext.Provider, { value: client }, children);
}

/** The provider's client, or null outside any provider. */
export function useTablecastClient(): AnyTablecastClient | null {
  return useContext(ClientContext);
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
