// A table's entries as an Arrow table: a `key` column, then typed value columns.
import {
  Bool,
  type DataType,
  Field,
  Float64,
  Int64,
  makeBuilder,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
} from 'apache-arrow';
import {
  type ArrowColumnType,
  type ArrowSchemaSpec,
  declaredColumns,
  inferColumns,
  KEY_COLUMN,
  type ValueColumn,
} from './arrow-columns.js';

export interface EntriesToArrowOptions {
  /** Declared columns; inferred from the values when absent (see `inferColumns`). */
  readonly schema?: ArrowSchemaSpec;
  /** Key-value metadata on the Arrow schema (e.g. the table's name and position). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Arrow's canonical JSON extension type: utf8 storage that readers may parse as JSON. */
const JSON_FIELD_METADATA = new Map([
  ['ARROW:extension:name', 'arrow.json'],
  ['ARROW:extension:metadata', ''],
]);

/**
 * One record batch with a non-null utf8 `key` column and one nullable column per value
 * column, in entry order. A cell whose value does not fit its column's type is null.
 */
export function entriesToArrow(
  entries: Iterable<readonly [string, unknown]>,
  options: EntriesToArrowOptions = {},
): Table {
  const rows = Array.isArray(entries)
    ? (entries as ReadonlyArray<readonly [string, unknown]>)
    : [...entries];
  const columns: ValueColumn[] =
    options.schema === undefined
      ? inferColumns(rows.map(([, value]) => value))
      : declaredColumns(options.schema);
  const fields = [
    new Field(KEY_COLUMN, new Utf8(), false),
    ...columns.map(
      (c) =>
        new Field(c.name, arrowType(c.type), true, c.type === 'json' ? JSON_FIELD_METADATA : null),
    ),
  ];
  const schema = new Schema(fields, new Map(Object.entries(options.metadata ?? {})));
  const keyData = build(fields[0]!.type, rows, ([key]) => key);
  const valueData = columns.map((c, i) => build(fields[i + 1]!.type, rows, ([, v]) => c.read(v)));
  const data = makeData({
    type: new Struct(fields),
    length: rows.length,
    nullCount: 0,
    children: [keyData, ...valueData],
  });
  return new Table(schema, new RecordBatch(schema, data));
}

function build<T>(type: DataType, rows: readonly T[], cell: (row: T) => unknown) {
  const builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (const row of rows) builder.append(cell(row));
  return builder.finish().flush();
}

function arrowType(type: ArrowColumnType): DataType {
  switch (type) {
    case 'utf8':
    case 'json':
      return new Utf8();
    case 'float64':
      return new Float64();
    case 'int64':
      return new Int64();
    case 'bool':
      return new Bool();
    case 'timestamp':
      return new TimestampMillisecond('UTC');
    default:
      return type satisfies never;
  }
}
