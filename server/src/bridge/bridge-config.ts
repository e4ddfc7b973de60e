import type { Codec } from '../../../shared/src/codecs/codec.js';
import { codecs } from '../../../shared/src/codecs/index.js';
import {
  type AggregateTableConfig,
  aggregateTableFromConfig,
  checkAggregateTableConfig,
  isAggregateTableConfig,
} from '../aggregate/aggregate-table-config.js';
import type { Logger } from '../environment.js';
import { KafkaTable } from '../kafka-table.js';
import type { KafkaConnectionOptions } from '../kafka-table-options.js';
import { KafkaTableWriter } from '../kafka-table-writer.js';
import type { PolicyMismatchMode } from '../policy-mismatch-mode.js';
import {
  checkStreamTableConfig,
  type StreamTableConfig,
  streamTableFromConfig,
} from '../stream/stream-config.js';
import { BridgeConfigError } from './bridge-config-error.js';
import { BRIDGE_LIMITS, type BridgeLimit, type BridgeOptions } from './bridge-options.js';
import { type KafkaFileConfig, parseKafkaConfig } from './kafka-config.js';

/**
 * The JSON config file of `tablecast serve`: where to listen, the tables, Kafka's connection, and
 * the bridge's limits (`maxMessageBytes`, ...: the `createBridge` options of the same names and
 * defaults).
 */
export interface BridgeConfig extends Partial<Readonly<Record<BridgeLimit, number>>> {
  /** Kept for older config files; `kafka.brokers` is the same. */
  readonly brokers?: readonly string[];
  /** Brokers, client id, TLS and SASL; environment variables override it (see kafka-config.ts). */
  readonly kafka?: KafkaFileConfig;
  readonly port?: number;
  readonly host?: string;
  readonly allowedOrigins?: readonly string[];
  /** Plain tables, stream tables (`"kind": "stream"`) or aggregate tables (`"group-by"`, `"windowed"`). */
  readonly tables: Readonly<Record<string, TableConfig | StreamTableConfig | AggregateTableConfig>>;
  /** Client messages per second per socket (bursts: `controlMessageBurst`). Default 50. */
  readonly controlMessagesPerSecond?: number;
  readonly maxConnectionsPerAddress?: number;
  readonly reauthorizeIntervalMs?: number;
  readonly revealForbiddenTables?: boolean;
  /** Bearer token for `/metrics` and `/readyz` details; `TABLECAST_OPS_TOKEN` overrides it. */
  readonly opsToken?: string;
}

export interface TableConfig {
  readonly topic: string;
  /** What the table makes of its topic; default the compacted map. */
  readonly kind?: undefined;
  /** Value codec name. Default 'json'. */
  readonly value?: 'json' | 'superjson' | 'utf8' | 'bytes';
  readonly numPartitions?: number;
  readonly ensureTopic?: boolean;
  readonly onPolicyMismatch?: PolicyMismatchMode;
  readonly catchupTimeoutMs?: number;
  /** The longest value stored, in bytes; longer ones are rejected. Default 16 MiB. */
  readonly maxValueBytes?: number;
  /** The longest key accepted, in bytes; records with longer ones are skipped. Default 1 MiB. */
  readonly maxKeyBytes?: number;
  /** Clients may write it through the bridge (`handle.set`), with the same codec. Default false. */
  readonly writable?: boolean;
}

const TOP_LEVEL_FIELDS = [
  'brokers',
  'kafka',
  'port',
  'host',
  'allowedOrigins',
  'tables',
  'controlMessagesPerSecond',
  'maxConnectionsPerAddress',
  'reauthorizeIntervalMs',
  'revealForbiddenTables',
  'opsToken',
];
const TABLE_FIELDS = [
  'topic',
  'value',
  'numPartitions',
  'ensureTopic',
  'onPolicyMismatch',
  'catchupTimeoutMs',
  'maxValueBytes',
  'maxKeyBytes',
  'writable',
];
const POLICY_MODES: readonly string[] = [
  'warn',
  'raise',
  'reconcile',
] satisfies PolicyMismatchMode[];

const VALUE_CODECS: Record<string, () => Codec<unknown>> = {
  json: () => codecs.json(),
  superjson: () => codecs.superjson(),
  utf8: () => codecs.utf8() as Codec<unknown>,
  bytes: () => codecs.bytes() as Codec<unknown>,
};

export { BridgeConfigError };

/** Checks a parsed config file; every problem names the field and what to write instead. */
export function parseBridgeConfig(raw: unknown, source = 'config'): BridgeConfig {
  const fail = (message: string): never => {
    throw new BridgeConfigError(`${source}: ${message}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('must be a JSON object with "tables".');
  const config = raw as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!TOP_LEVEL_FIELDS.includes(key) && !isLimit(key))
      fail(`unknown field "${key}". Known: ${[...TOP_LEVEL_FIELDS, ...BRIDGE_LIMITS].join(', ')}.`);
  }
  for (const key of [
    'controlMessagesPerSecond',
    'maxConnectionsPerAddress',
    'reauthorizeIntervalMs',
  ]) {
    if (config[key] !== undefined && !isPositiveInteger(config[key]))
      fail(`"${key}" must be a positive integer, got ${JSON.stringify(config[key])}.`);
  }
  if (
    config.revealForbiddenTables !== undefined &&
    typeof config.revealForbiddenTables !== 'boolean'
  )
    fail('"revealForbiddenTables" must be true or false.');
  if (
    config.opsToken !== undefined &&
    (typeof config.opsToken !== 'string' || config.opsToken === '')
  )
    fail('"opsToken" must be a non-empty string (or set TABLECAST_OPS_TOKEN instead).');
  for (const key of BRIDGE_LIMITS) {
    if (config[key] !== undefined && !isPositiveInteger(config[key]))
      fail(`"${key}" must be a positive integer, got ${JSON.stringify(config[key])}.`);
  }
  const tables = config.tables;
  if (typeof tables !== 'object' || tables === null || Object.keys(tables).length === 0) {
    fail('"tables" must map table names to { "topic": ... }.');
  }
  for (const [name, table] of Object.entries(tables as Record<string, unknown>)) {
    if (typeof table !== 'object' || table === null) fail(`tables.${name} must be an object.`);
    const t = table as Record<string, unknown>;
    if (isAggregateTableConfig(t)) {
      checkAggregateTableConfig(t, `tables.${name}`, fail);
      continue;
    }
    if (t.kind === 'stream') {
      checkStreamTableConfig(name, t, Object.keys(VALUE_CODECS), fail);
      continue;
    }
    if (t.kind !== undefined)
      fail(`tables.${name}.kind must be "stream", "group-by" or "windowed" (or absent).`);
    for (const key of Object.keys(t)) {
      if (!TABLE_FIELDS.includes(key))
        fail(`unknown field "tables.${name}.${key}". Known: ${TABLE_FIELDS.join(', ')}.`);
    }
    if (typeof t.topic !== 'string') fail(`tables.${name}.topic must be a string.`);
    if (t.value !== undefined && !(String(t.value) in VALUE_CODECS)) {
      fail(`tables.${name}.value must be one of ${Object.keys(VALUE_CODECS).join(', ')}.`);
    }
    for (const key of ['numPartitions', 'catchupTimeoutMs', 'maxValueBytes', 'maxKeyBytes']) {
      if (t[key] !== undefined && !isPositiveInteger(t[key]))
        fail(`tables.${name}.${key} must be a positive integer.`);
    }
    for (const key of ['ensureTopic', 'writable']) {
      if (t[key] !== undefined && typeof t[key] !== 'boolean')
        fail(`tables.${name}.${key} must be true or false.`);
    }
    if (t.onPolicyMismatch !== undefined && !POLICY_MODES.includes(String(t.onPolicyMismatch)))
      fail(`tables.${name}.onPolicyMismatch must be one of ${POLICY_MODES.join(', ')}.`);
  }
  if (
    config.port !== undefined &&
    (!Number.isInteger(config.port) || (config.port as number) < 0)
  ) {
    fail('"port" must be a port number.');
  }
  if (config.brokers !== undefined && !Array.isArray(config.brokers))
    fail('"brokers" must be an array.');
  if (config.kafka !== undefined) {
    const kafka = parseKafkaConfig(config.kafka, source);
    if (config.brokers !== undefined && kafka.brokers !== undefined) {
      fail('give "brokers" or "kafka.brokers", not both.');
    }
    return { ...(config as unknown as BridgeConfig), kafka };
  }
  return config as unknown as BridgeConfig;
}

/**
 * The bridge options the config sets, as `createBridge` options (unset ones keep their
 * defaults). `TABLECAST_OPS_TOKEN` in `env` overrides the file's `opsToken`, so the secret can
 * stay out of the file.
 */
export function bridgeLimitsFromConfig(
  config: BridgeConfig,
  env: Readonly<Record<string, string | undefined>> = {},
): Partial<BridgeOptions> {
  const options: Record<string, unknown> = Object.fromEntries(
    BRIDGE_LIMITS.filter((key) => config[key] !== undefined).map((key) => [key, config[key]]),
  );
  for (const key of [
    'controlMessagesPerSecond',
    'maxConnectionsPerAddress',
    'reauthorizeIntervalMs',
    'revealForbiddenTables',
  ] as const) {
    if (config[key] !== undefined) options[key] = config[key];
  }
  const opsToken = env.TABLECAST_OPS_TOKEN || config.opsToken;
  if (opsToken) options.opsToken = opsToken;
  return options as Partial<BridgeOptions>;
}

function isLimit(key: string): key is BridgeLimit {
  return (BRIDGE_LIMITS as readonly string[]).includes(key);
}

function isPositiveInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** The `kafka` section, with the older top-level `brokers` folded in. */
export function kafkaSection(config: BridgeConfig): KafkaFileConfig {
  const brokers = config.kafka?.brokers ?? config.brokers;
  return { ...config.kafka, ...(brokers ? { brokers } : {}) };
}

/** One KafkaTable per configured table; constructing does not connect. */
export function tablesFromConfig(
  config: BridgeConfig,
  connection: KafkaConnectionOptions,
  logger?: Logger,
): BridgeOptions['tables'] {
  return Object.fromEntries(
    Object.entries(config.tables).map(([name, t]) => [
      name,
      t.kind === 'stream'
        ? streamTableFromConfig(t, VALUE_CODECS[t.value ?? 'json']!(), connection, logger)
        : isAggregateTableConfig(t)
          ? aggregateTableFromConfig(t, connection, logger)
          : new KafkaTable<unknown>({
              ...connection,
              topic: t.topic,
              valueCodec: VALUE_CODECS[t.value ?? 'json']!(),
              ...(t.numPartitions !== undefined ? { numPartitions: t.numPartitions } : {}),
              ...(t.ensureTopic !== undefined ? { ensureTopic: t.ensureTopic } : {}),
              ...(t.onPolicyMismatch !== undefined ? { onPolicyMismatch: t.onPolicyMismatch } : {}),
              ...(t.catchupTimeoutMs !== undefined ? { catchupTimeoutMs: t.catchupTimeoutMs } : {}),
              ...(t.maxValueBytes !== undefined ? { maxValueBytes: t.maxValueBytes } : {}),
              ...(t.maxKeyBytes !== undefined ? { maxKeyBytes: t.maxKeyBytes } : {}),
              ...(logger ? { logger } : {}),
            }),
    ]),
  );
}

/** A writer for every table the config marks `writable`; the bridge starts them. */
export function writersFromConfig(
  config: BridgeConfig,
  connection: KafkaConnectionOptions,
  logger?: Logger,
): Record<string, KafkaTableWriter<unknown>> {
  return Object.fromEntries(
    Object.entries(config.tables)
      .filter(
        (entry): entry is [string, TableConfig] =>
          'writable' in entry[1] && entry[1].writable === true,
      )
      .map(([name, t]) => [
        name,
        new KafkaTableWriter<unknown>({
          ...connection,
          topic: t.topic,
          valueCodec: VALUE_CODECS[t.value ?? 'json']!(),
          ...(logger ? { logger } : {}),
        }),
      ]),
  );
}
