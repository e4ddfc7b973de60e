import { codecs } from '../../../shared/src/codecs/index.js';
import type { Logger } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import type { KafkaConnectionOptions } from '../kafka-table-options.js';
import { AGGREGATE_OPS, type AggregateOp } from './aggregate-op.js';
import type { Aggregates } from './aggregate-spec.js';
import { groupByTable } from './group-by-table.js';
import type { WindowSpec } from './window-state.js';
import { windowedTable } from './windowed-table.js';
import { WINDOW_ROW_FIELDS } from './windowed-table-state.js';

/** One aggregate in a config file: `"count"`, or `{ "op": "sum", "field": "order.amount" }`. */
export type AggregateConfig = AggregateOp | { readonly op: AggregateOp; readonly field?: string };

interface AggregateTableConfigBase {
  readonly topic: string;
  /**
   * Where a value's group is: a dot path into the JSON value (`"status"`, `"meta.service"`), or
   * `"$key"` for the record's key. A group that is not a string or number leaves the value out.
   */
  readonly groupBy: string;
  readonly aggregates: Readonly<Record<string, AggregateConfig>>;
  /** The topic's value codec. Default 'json'. */
  readonly value?: 'json' | 'superjson';
  readonly catchupTimeoutMs?: number;
}

/** `{ "kind": "group-by", ... }`: aggregates per group over a compacted topic. */
export interface GroupByTableConfig extends AggregateTableConfigBase {
  readonly kind: 'group-by';
  readonly numPartitions?: number;
  readonly ensureTopic?: boolean;
}

/** `{ "kind": "windowed", "window": { "sizeMs": 60000 }, ... }`: windows over any topic. */
export interface WindowedTableConfig extends AggregateTableConfigBase {
  readonly kind: 'windowed';
  readonly window: WindowSpec;
}

export type AggregateTableConfig = GroupByTableConfig | WindowedTableConfig;

const COMMON_FIELDS = ['kind', 'topic', 'groupBy', 'aggregates', 'value', 'catchupTimeoutMs'];
const FIELDS: Record<AggregateTableConfig['kind'], readonly string[]> = {
  'group-by': [...COMMON_FIELDS, 'numPartitions', 'ensureTopic'],
  windowed: [...COMMON_FIELDS, 'window'],
};
const WINDOW_FIELDS = ['sizeMs', 'advanceMs', 'graceMs', 'retainMs'];
const PATH = /^(\$key|[^.\s]+(\.[^.\s]+)*)$/;

/** Whether a table entry of the config file is an aggregate table (it has such a `kind`). */
export function isAggregateTableConfig(table: object): table is AggregateTableConfig {
  const kind = (table as { kind?: unknown }).kind;
  return kind === 'group-by' || kind === 'windowed';
}

/**
 * Checks one aggregate table of the config file; `fail` throws with the message (every message
 * starts with `where`, e.g. `tables.orders-by-status`).
 */
export function checkAggregateTableConfig(
  t: Record<string, unknown>,
  where: string,
  fail: (message: string) => never,
): void {
  const kind = t.kind as AggregateTableConfig['kind'];
  for (const key of Object.keys(t)) {
    if (!FIELDS[kind].includes(key))
      fail(
        `unknown field "${where}.${key}" for kind "${kind}". Known: ${FIELDS[kind].join(', ')}.`,
      );
  }
  if (typeof t.topic !== 'string') fail(`${where}.topic must be a string.`);
  if (typeof t.groupBy !== 'string' || !PATH.test(t.groupBy))
    fail(`${where}.groupBy must be a field path like "status" or "meta.service", or "$key".`);
  if (t.value !== undefined && t.value !== 'json' && t.value !== 'superjson')
    fail(`${where}.value must be "json" or "superjson" (aggregates read fields of values).`);
  for (const key of ['numPartitions', 'catchupTimeoutMs']) {
    if (t[key] !== undefined && !(Number.isSafeInteger(t[key]) && (t[key] as number) > 0))
      fail(`${where}.${key} must be a positive integer.`);
  }
  if (t.ensureTopic !== undefined && typeof t.ensureTopic !== 'boolean')
    fail(`${where}.ensureTopic must be true or false.`);
  checkAggregates(t.aggregates, kind, `${where}.aggregates`, fail);
  if (kind === 'windowed') checkWindow(t.window, `${where}.window`, fail);
}

function checkAggregates(
  raw: unknown,
  kind: AggregateTableConfig['kind'],
  where: string,
  fail: (message: string) => never,
): void {
  if (typeof raw !== 'object' || raw === null || Object.keys(raw).length === 0)
    fail(`${where} must name at least one aggregate, e.g. { "count": "count" }.`);
  for (const [name, spec] of Object.entries(raw as Record<string, unknown>)) {
    if (kind === 'windowed' && WINDOW_ROW_FIELDS.includes(name))
      fail(`${where}.${name}: the name is taken by the window row's own field; rename it.`);
    const { op, field, ...rest } =
      typeof spec === 'string' ? { op: spec } : ((spec ?? {}) as Record<string, unknown>);
    if (Object.keys(rest).length > 0)
      fail(
        `${where}.${name} has unknown fields ${Object.keys(rest).join(', ')}; give op and field.`,
      );
    if (!AGGREGATE_OPS.includes(op as AggregateOp))
      fail(`${where}.${name}: op must be one of ${AGGREGATE_OPS.join(', ')}.`);
    if (field !== undefined && (typeof field !== 'string' || !PATH.test(field) || field === '$key'))
      fail(`${where}.${name}.field must be a field path like "amount" or "order.amount".`);
    if (op !== 'count' && field === undefined)
      fail(`${where}.${name}: "${String(op)}" needs a "field" that holds the number.`);
  }
}

function checkWindow(raw: unknown, where: string, fail: (message: string) => never): void {
  if (typeof raw !== 'object' || raw === null)
    fail(`${where} must be an object like { "sizeMs": 60000 }.`);
  const w = raw as Record<string, unknown>;
  for (const key of Object.keys(w)) {
    if (!WINDOW_FIELDS.includes(key))
      fail(`unknown field "${where}.${key}". Known: ${WINDOW_FIELDS.join(', ')}.`);
  }
  if (w.sizeMs === undefined) fail(`${where}.sizeMs is required (the window's length in ms).`);
  for (const key of WINDOW_FIELDS) {
    const ms = w[key];
    const min = key === 'graceMs' ? 0 : 1;
    if (ms !== undefined && !(Number.isSafeInteger(ms) && (ms as number) >= min))
      fail(`${where}.${key} must be an integer of at least ${min} ms.`);
  }
  const size = w.sizeMs as number;
  const retain = (w.retainMs as number | undefined) ?? size;
  if (w.advanceMs !== undefined && (w.advanceMs as number) > size)
    fail(`${where}.advanceMs must not exceed sizeMs: records would fall between windows.`);
  if (w.graceMs !== undefined && (w.graceMs as number) > retain)
    fail(
      `${where}.graceMs must not exceed retainMs (default sizeMs): a window must be kept while it takes late records.`,
    );
}

/** Reads a dot path from a JSON value; `$key` reads the record's key. */
function pathReader(path: string): (value: unknown, key: string | null) => unknown {
  if (path === '$key') return (_value, key) => key;
  const steps = path.split('.');
  return (value) => {
    let at: unknown = value;
    for (const step of steps) {
      if (typeof at !== 'object' || at === null) return undefined;
      at = (at as Record<string, unknown>)[step];
    }
    return at;
  };
}

function groupReader(path: string): (value: unknown, key: string | null) => string | undefined {
  const read = pathReader(path);
  return (value, key) => {
    const group = read(value, key);
    return typeof group === 'string'
      ? group
      : typeof group === 'number'
        ? String(group)
        : undefined;
  };
}

function aggregatesOf(config: AggregateTableConfig): Aggregates<unknown> {
  return Object.fromEntries(
    Object.entries(config.aggregates).map(([name, spec]) => {
      if (typeof spec === 'string') return [name, spec];
      const read = spec.field === undefined ? undefined : pathReader(spec.field);
      return [name, read ? { op: spec.op, field: (v: unknown) => read(v, null) } : spec.op];
    }),
  );
}

/** The KafkaTable of one checked aggregate table config; constructing does not connect. */
export function aggregateTableFromConfig(
  config: AggregateTableConfig,
  connection: KafkaConnectionOptions,
  logger?: Logger,
): KafkaTable<unknown> {
  const common = {
    ...connection,
    topic: config.topic,
    valueCodec: config.value === 'superjson' ? codecs.superjson() : codecs.json(),
    groupBy: groupReader(config.groupBy),
    aggregates: aggregatesOf(config),
    ...(config.catchupTimeoutMs !== undefined ? { catchupTimeoutMs: config.catchupTimeoutMs } : {}),
    ...(logger ? { logger } : {}),
  };
  if (config.kind === 'windowed') {
    return windowedTable({ ...common, window: config.window }) as KafkaTable<unknown>;
  }
  return groupByTable({
    ...common,
    groupBy: (value: unknown, key: string) => common.groupBy(value, key),
    ...(config.numPartitions !== undefined ? { numPartitions: config.numPartitions } : {}),
    ...(config.ensureTopic !== undefined ? { ensureTopic: config.ensureTopic } : {}),
  }) as KafkaTable<unknown>;
}
