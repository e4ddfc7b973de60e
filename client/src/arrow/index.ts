// The `tablecast/arrow` entry point: a client table as an Apache Arrow table, for in-page
// analytics (Arquero, DuckDB-Wasm, Perspective...). A separate entry so the core client never
// loads `apache-arrow` (an optional peer dependency).
import type { Table } from 'apache-arrow';
import type { ArrowSchemaSpec } from '../../../shared/src/arrow/arrow-columns.js';
import { entriesToArrow } from '../../../shared/src/arrow/entries-to-arrow.js';
import type { TableHandle } from '../table-handle.js';

export type { ArrowColumnType, ArrowSchemaSpec } from '../../../shared/src/arrow/arrow-columns.js';

export interface ToArrowOptions {
  /**
   * A column type for the value (one column `value`), or field → type for object values; by
   * default inferred from the values, as the bridge's `?format=arrow` does.
   */
  readonly schema?: ArrowSchemaSpec;
}

/**
 * The handle's map as it is now, as an Arrow table: a `key` column and typed value columns,
 * with the table's name, status and position in the schema metadata. A copy: later batches
 * do not change it (take another after `handle.subscribe` fires).
 */
export function toArrowTable<V>(handle: TableHandle<V>, options: ToArrowOptions = {}): Table {
  const metadata: Record<string, string> = {
    'tablecast.table': handle.name,
    'tablecast.status': handle.status,
  };
  if (handle.position !== undefined) {
    metadata['tablecast.position'] = JSON.stringify(handle.position);
  }
  return entriesToArrow([...handle.getSnapshot()], {
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    metadata,
  });
}
