// Declaring an app's tables once (names → value types) and getting typed handles from it,
// without casts at call sites. Types only: at runtime a typed client is the client itself.
import type { TablecastClient } from './create-client.js';
import type { TableHandle, TableOptions } from './table-handle.js';

/**
 * The names of a table declaration such as `interface AppTables { flags: boolean }`. An
 * interface rather than a `Record`, so no constraint: interfaces have no index signature.
 */
export type TableName<T> = keyof T & string;

/** A client whose `table()` only accepts declared names and returns their value types. */
export interface TypedClient<T> extends Omit<TablecastClient, 'table'> {
  table<N extends TableName<T>>(name: N, options?: TableOptions<T[N]>): TableHandle<T[N]>;
}

/**
 * The same client, typed by a table declaration: `typedClient<AppTables>(client).table('flags')`
 * is a `TableHandle<boolean>`. Sound as far as the declaration is: values are not validated.
 */
export function typedClient<T>(client: TablecastClient): TypedClient<T> {
  return client as TypedClient<T>;
}

/** Any client, typed or not: what providers and hook options accept. */
export type AnyTablecastClient = TablecastClient | TypedClient<unknown>;
