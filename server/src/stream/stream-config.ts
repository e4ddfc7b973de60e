import type { Codec } from '../../../shared/src/codecs/codec.js';
import type { Logger } from '../environment.js';
import type { KafkaConnectionOptions } from '../kafka-table-options.js';
import type { StreamStart } from './stream-start.js';
import { validateStreamStart } from './stream-start.js';
import { StreamTable } from './stream-table.js';

/** A stream table in the `tablecast serve` config file: `{ "topic": ..., "kind": "stream" }`. */
export interface StreamTableConfig {
  readonly topic: string;
  readonly kind: 'stream';
  /** Value codec name. Default 'json'. */
  readonly value?: 'json' | 'superjson' | 'utf8' | 'bytes';
  /** Rows held; default 1000. */
  readonly limit?: number;
  /** Rows older than the newest record time minus this leave. */
  readonly retainMs?: number;
  /** Default `{ "lastPerPartition": limit }`. */
  readonly start?: StreamStart;
  /** Rows carry the records' headers. Default false. */
  readonly headers?: boolean;
  readonly catchupTimeoutMs?: number;
}

export const STREAM_TABLE_FIELDS = [
  'topic',
  'kind',
  'value',
  'limit',
  'retainMs',
  'start',
  'headers',
  'catchupTimeoutMs',
];

/** Checks one `"kind": "stream"` table of a config file; `fail` throws with the field named. */
export function checkStreamTableConfig(
  name: string,
  table: Record<string, unknown>,
  valueCodecs: readonly string[],
  fail: (message: string) => never,
): void {
  for (const key of Object.keys(table)) {
    if (!STREAM_TABLE_FIELDS.includes(key))
      fail(
        `unknown field "tables.${name}.${key}" for a stream table. Known: ${STREAM_TABLE_FIELDS.join(', ')}.`,
      );
  }
  if (typeof table.topic !== 'string') fail(`tables.${name}.topic must be a string.`);
  if (table.value !== undefined && !valueCodecs.includes(String(table.value)))
    fail(`tables.${name}.value must be one of ${valueCodecs.join(', ')}.`);
  for (const key of ['limit', 'retainMs', 'catchupTimeoutMs']) {
    const value = table[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0))
      fail(`tables.${name}.${key} must be a positive integer.`);
  }
  if (table.headers !== undefined && typeof table.headers !== 'boolean')
    fail(`tables.${name}.headers must be true or false.`);
  if (table.start !== undefined) {
    try {
      validateStreamStart(table.start);
    } catch {
      fail(
        `tables.${name}.start must be "earliest", "latest", { "timestamp": ms } or { "lastPerPartition": n }.`,
      );
    }
  }
}

/** The StreamTable a checked config entry describes; constructing does not connect. */
export function streamTableFromConfig(
  table: StreamTableConfig,
  valueCodec: Codec<unknown>,
  connection: KafkaConnectionOptions,
  logger?: Logger,
): StreamTable<unknown> {
  return new StreamTable({
    ...connection,
    topic: table.topic,
    valueCodec,
    ...(table.limit !== undefined ? { limit: table.limit } : {}),
    ...(table.retainMs !== undefined ? { retainMs: table.retainMs } : {}),
    ...(table.start !== undefined ? { start: table.start } : {}),
    ...(table.headers !== undefined ? { headers: table.headers } : {}),
    ...(table.catchupTimeoutMs !== undefined ? { catchupTimeoutMs: table.catchupTimeoutMs } : {}),
    ...(logger ? { logger } : {}),
  });
}
