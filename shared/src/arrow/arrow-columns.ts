// Which typed columns a table's values become in Arrow, declared or inferred, and how one value
// is read into each. Pure: no Arrow import, so the rules can be tested and reused on their own.

/**
 * A column's type. `json` is JSON text (Arrow's canonical `arrow.json` extension over utf8);
 * `timestamp` is milliseconds since the epoch, UTC, from a `Date`, a number or an ISO string.
 */
export type ArrowColumnType = 'utf8' | 'float64' | 'int64' | 'bool' | 'timestamp' | 'json';

/**
 * How a table's values map to columns: one type for the value itself (a column `value`), or
 * object field → type (a column per field).
 */
export type ArrowSchemaSpec = ArrowColumnType | Readonly<Record<string, ArrowColumnType>>;

export interface ValueColumn {
  /** The column's name in the Arrow table. */
  readonly name: string;
  readonly type: ArrowColumnType;
  /** Reads this column's cell from a table value: a primitive of the type, or null. */
  readonly read: (value: unknown) => string | number | bigint | boolean | null;
}

const TYPES: ReadonlySet<string> = new Set([
  'utf8',
  'float64',
  'int64',
  'bool',
  'timestamp',
  'json',
]);

/** The key column's name; an object field of the same name becomes `value.key`. */
export const KEY_COLUMN = 'key';

/** The value columns of a declared spec; a wrong spec throws TypeError. */
export function declaredColumns(spec: ArrowSchemaSpec): ValueColumn[] {
  if (typeof spec === 'string') {
    if (!TYPES.has(spec)) throw new TypeError(`Unknown Arrow column type ${JSON.stringify(spec)}.`);
    return [column('value', spec, (v) => v)];
  }
  if (typeof spec !== 'object' || spec === null) {
    throw new TypeError('An Arrow schema is a column type or an object of field → column type.');
  }
  return Object.entries(spec).map(([field, type]) => {
    if (!TYPES.has(type)) {
      throw new TypeError(`Unknown Arrow column type ${JSON.stringify(type)} for "${field}".`);
    }
    return fieldColumn(field, type);
  });
}

/**
 * Columns inferred from the values: when every value is a plain object, one column per field
 * (first-seen order), typed when every non-null value of the field has one primitive type
 * (string, number, boolean, bigint, Date), JSON text otherwise. Any other table is one column
 * `value`, typed the same way. An empty table has a JSON `value` column.
 */
export function inferColumns(values: Iterable<unknown>): ValueColumn[] {
  const fieldTypes = new Map<string, ArrowColumnType | undefined>();
  let valueType: ArrowColumnType | undefined;
  let allObjects = true;
  let count = 0;
  for (const value of values) {
    count++;
    valueType = merge(valueType, typeOf(value));
    if (!allObjects) continue;
    if (!isPlainObject(value)) {
      allObjects = false;
      continue;
    }
    // for-in, not Object.entries: no pair arrays per value (plain objects, own keys only).
    for (const field in value) {
      const known = fieldTypes.get(field);
      if (known === 'json') continue;
      const next = merge(known, typeOf(value[field]));
      if (next !== known || !fieldTypes.has(field)) fieldTypes.set(field, next);
    }
  }
  if (count === 0) return [column('value', 'json', (v) => v)];
  if (!allObjects) return [column('value', valueType ?? 'json', (v) => v)];
  return [...fieldTypes].map(([field, type]) => fieldColumn(field, type ?? 'json'));
}

function fieldColumn(field: string, type: ArrowColumnType): ValueColumn {
  const name = field === KEY_COLUMN ? `value.${field}` : field;
  return column(name, type, (v) => (isPlainObject(v) ? v[field] : undefined));
}

function column(
  name: string,
  type: ArrowColumnType,
  pick: (value: unknown) => unknown,
): ValueColumn {
  const convert = CONVERT[type];
  return { name, type, read: (value) => convert(pick(value)) };
}

/** Cell converters: a value that does not fit the column's type is null, never coerced. */
const CONVERT: Record<ArrowColumnType, (v: unknown) => string | number | bigint | boolean | null> =
  {
    utf8: (v) => (typeof v === 'string' ? v : null),
    float64: (v) => (typeof v === 'number' ? v : null),
    int64: (v) =>
      typeof v === 'bigint'
        ? v
        : typeof v === 'number' && Number.isSafeInteger(v)
          ? BigInt(v)
          : null,
    bool: (v) => (typeof v === 'boolean' ? v : null),
    timestamp: (v) => {
      const ms =
        v instanceof Date
          ? v.getTime()
          : typeof v === 'number'
            ? v
            : typeof v === 'string'
              ? Date.parse(v)
              : Number.NaN;
      return Number.isFinite(ms) ? ms : null;
    },
    json: (v) =>
      v === undefined
        ? null
        : JSON.stringify(v, (_key, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)),
  };

/** The column type a value alone calls for; undefined for null/undefined (they fit any). */
function typeOf(value: unknown): ArrowColumnType | undefined {
  switch (typeof value) {
    case 'string':
      return 'utf8';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int64';
    case 'boolean':
      return 'bool';
    case 'undefined':
      return undefined;
    default:
      if (value === null) return undefined;
      return value instanceof Date ? 'timestamp' : 'json';
  }
}

/** Two types meet: nulls fit anything, equal types stay, different ones make JSON text. */
function merge(
  known: ArrowColumnType | undefined,
  next: ArrowColumnType | undefined,
): ArrowColumnType | undefined {
  if (known === undefined) return next;
  if (next === undefined || next === known) return known;
  return 'json';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
