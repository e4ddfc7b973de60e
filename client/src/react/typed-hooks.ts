// Typing the hooks by a declaration of the app's tables, `createTypedHooks<AppTables>()`. Types
// only, beside both hook modules so neither imports the other: at runtime the typed hooks are
// the hooks themselves.
import type { StreamRow } from '../stream/stream-row.js';
import type { TableName } from '../typed-tables.js';
import type { TablecastHooks, TypedTableHooks } from './bindings.js';
import type { StreamView, UseStream, UseStreamOptions } from './use-stream.js';

/**
 * The stream tables of a declaration: those declared as rows, `{ deploys: StreamRow<Deploy> }`,
 * which is what their handles hold (`client.table('deploys')` is a `TableHandle<StreamRow<Deploy>>`).
 */
export type StreamTableName<T> = {
  [N in TableName<T>]: T[N] extends StreamRow<unknown> ? N : never;
}[TableName<T>];

/** The value type inside a declared row type. */
export type RowValue<R> = R extends StreamRow<infer V> ? V : never;

/** Every hook typed by a table declaration. */
export interface TypedHooks<T> extends TypedTableHooks<T> {
  useStream<N extends StreamTableName<T>>(
    name: N,
    options?: UseStreamOptions,
  ): StreamView<RowValue<T[N]>>;
}

/** `createTypedHooks` over one framework's hooks. */
export function bindTypedHooks(
  hooks: TablecastHooks,
  useStream: UseStream,
): <T>() => TypedHooks<T> {
  const typed = { ...hooks, useStream };
  return <T>() => typed as TypedHooks<T>;
}
