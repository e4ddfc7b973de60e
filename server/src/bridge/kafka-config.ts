import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { KafkaSaslOptions, KafkaTlsOptions } from '../kafka-security.js';
import type { KafkaConnectionOptions } from '../kafka-table-options.js';
import { BridgeConfigError } from './bridge-config-error.js';

/**
 * The `kafka` section of `tablecast serve`'s config file. `ca`, `cert` and `key` are a PEM text
 * or the path of a PEM file (relative to the config file).
 */
export interface KafkaFileConfig {
  readonly brokers?: readonly string[];
  readonly clientId?: string;
  readonly ssl?:
    | true
    | {
        readonly ca?: string;
        readonly cert?: string;
        readonly key?: string;
        readonly servername?: string;
        readonly rejectUnauthorized?: boolean;
      };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
}

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'];
const SSL_FIELDS = ['ca', 'cert', 'key', 'servername', 'rejectUnauthorized'];

/**
 * Checks the `kafka` section. Messages name the field and never echo a value, so a password put
 * in the wrong place does not end up in a log.
 */
export function parseKafkaConfig(raw: unknown, where: string): KafkaFileConfig {
  const fail = (message: string): never => {
    throw new BridgeConfigError(`${where}: ${message}`);
  };
  if (!isObject(raw)) return fail('"kafka" must be an object like { "brokers": [...] }.');
  for (const key of Object.keys(raw)) {
    if (!['brokers', 'clientId', 'ssl', 'sasl'].includes(key))
      fail(`unknown field "kafka.${key}".`);
  }
  if (raw.brokers !== undefined && !isStringArray(raw.brokers)) {
    fail('"kafka.brokers" must be an array of "host:port" strings.');
  }
  if (raw.clientId !== undefined && typeof raw.clientId !== 'string') {
    fail('"kafka.clientId" must be a string.');
  }
  if (raw.ssl !== undefined && raw.ssl !== true && raw.ssl !== false) {
    if (!isObject(raw.ssl)) fail('"kafka.ssl" must be true or an object like { "ca": "ca.pem" }.');
    const ssl = raw.ssl as Record<string, unknown>;
    for (const key of Object.keys(ssl)) {
      if (!SSL_FIELDS.includes(key)) {
        fail(`unknown field "kafka.ssl.${key}"; use ${SSL_FIELDS.join(', ')}.`);
      }
    }
    for (const key of ['ca', 'cert', 'key', 'servername']) {
      if (ssl[key] !== undefined && typeof ssl[key] !== 'string') {
        fail(`"kafka.ssl.${key}" must be a string (a PEM text or a file path).`);
      }
    }
    if (ssl.rejectUnauthorized !== undefined && typeof ssl.rejectUnauthorized !== 'boolean') {
      fail('"kafka.ssl.rejectUnauthorized" must be true or false.');
    }
    if ((ssl.cert === undefined) !== (ssl.key === undefined)) {
      fail('"kafka.ssl.cert" and "kafka.ssl.key" go together (a client certificate and its key).');
    }
  }
  if (raw.sasl !== undefined) validateSasl(raw.sasl, FILE_NAMES, fail);
  const { ssl, ...rest } = raw;
  return (ssl === false ? rest : raw) as KafkaFileConfig;
}

const SASL_FIELDS = ['mechanism', 'username', 'password'] as const;
type SaslNames = Record<(typeof SASL_FIELDS)[number], string>;
const FILE_NAMES: SaslNames = {
  mechanism: '"kafka.sasl.mechanism"',
  username: '"kafka.sasl.username"',
  password: '"kafka.sasl.password"',
};
const MERGED_NAMES: SaslNames = {
  mechanism: 'KAFKA_SASL_MECHANISM (or "kafka.sasl.mechanism")',
  username: 'KAFKA_SASL_USERNAME (or "kafka.sasl.username")',
  password: 'KAFKA_SASL_PASSWORD (or "kafka.sasl.password")',
};

function validateSasl(raw: unknown, names: SaslNames, fail: (message: string) => never): void {
  if (!isObject(raw)) fail('"kafka.sasl" must be { "mechanism", "username", "password" }.');
  const sasl = raw as Record<string, unknown>;
  for (const key of Object.keys(sasl)) {
    if (!(SASL_FIELDS as readonly string[]).includes(key))
      fail(`unknown field "kafka.sasl.${key}".`);
  }
  if (typeof sasl.mechanism !== 'string' || !MECHANISMS.includes(sasl.mechanism)) {
    fail(
      `${names.mechanism} must be one of ${MECHANISMS.join(', ')} (OAUTHBEARER needs a token ` +
        'provider: pass sasl.oauthBearerProvider to KafkaTable in code).',
    );
  }
  if (typeof sasl.username !== 'string' || sasl.username === '') {
    fail(`${names.username} must be a non-empty string.`);
  }
  if (typeof sasl.password !== 'string' || sasl.password === '') {
    fail(`${names.password} must be a non-empty string.`);
  }
}

/** The environment variables that configure the Kafka connection; they override the file. */
export interface KafkaEnvironment {
  readonly KAFKA_BROKERS?: string;
  readonly KAFKA_CLIENT_ID?: string;
  readonly KAFKA_SSL?: string;
  readonly KAFKA_SSL_CA_FILE?: string;
  readonly KAFKA_SSL_CERT_FILE?: string;
  readonly KAFKA_SSL_KEY_FILE?: string;
  readonly KAFKA_SSL_REJECT_UNAUTHORIZED?: string;
  readonly KAFKA_SASL_MECHANISM?: string;
  readonly KAFKA_SASL_USERNAME?: string;
  readonly KAFKA_SASL_PASSWORD?: string;
}

/**
 * Merges the config file's `kafka` section with the environment (the environment wins, field by
 * field) and reads the PEM files, into options every KafkaTable of the bridge takes.
 */
export async function kafkaConnectionOptions(
  config: KafkaFileConfig,
  env: KafkaEnvironment,
  baseDir: string,
): Promise<KafkaConnectionOptions> {
  const fail = (message: string): never => {
    throw new BridgeConfigError(message);
  };
  const brokers = env.KAFKA_BROKERS?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const merged = {
    brokers: brokers && brokers.length > 0 ? brokers : config.brokers,
    clientId: env.KAFKA_CLIENT_ID || config.clientId,
  };
  if (!merged.brokers || merged.brokers.length === 0) {
    fail('No Kafka brokers: set KAFKA_BROKERS or "kafka.brokers" in the config file.');
  }
  const ssl = await tlsOptions(config, env, baseDir, fail);
  const sasl = saslOptions(config, env, fail);
  return {
    brokers: merged.brokers!,
    ...(merged.clientId ? { clientId: merged.clientId } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
  };
}

async function tlsOptions(
  config: KafkaFileConfig,
  env: KafkaEnvironment,
  baseDir: string,
  fail: (message: string) => never,
): Promise<true | KafkaTlsOptions | undefined> {
  const flag = env.KAFKA_SSL?.trim().toLowerCase();
  if (flag !== undefined && flag !== '' && !['true', 'false', '1', '0'].includes(flag)) {
    fail('KAFKA_SSL must be true or false.');
  }
  const fromFile = config.ssl === true ? {} : config.ssl;
  const files = {
    ca: env.KAFKA_SSL_CA_FILE || fromFile?.ca,
    cert: env.KAFKA_SSL_CERT_FILE || fromFile?.cert,
    key: env.KAFKA_SSL_KEY_FILE || fromFile?.key,
  };
  const rejectEnv = env.KAFKA_SSL_REJECT_UNAUTHORIZED?.trim().toLowerCase();
  const rejectUnauthorized =
    rejectEnv === undefined || rejectEnv === ''
      ? fromFile?.rejectUnauthorized
      : !['false', '0'].includes(rejectEnv);
  const anySetting =
    files.ca !== undefined ||
    files.cert !== undefined ||
    files.key !== undefined ||
    rejectUnauthorized !== undefined;
  const explicit = flag === undefined || flag === '' ? undefined : flag === 'true' || flag === '1';
  if (!(explicit ?? (config.ssl !== undefined || anySetting))) return undefined;
  if (!anySetting && fromFile?.servername === undefined) return true;
  const tls: { -readonly [K in keyof KafkaTlsOptions]: KafkaTlsOptions[K] } = {};
  for (const field of ['ca', 'cert', 'key'] as const) {
    const value = files[field];
    if (value !== undefined) tls[field] = await pem(value, field, baseDir, fail);
  }
  if (fromFile?.servername !== undefined) tls.servername = fromFile.servername;
  if (rejectUnauthorized !== undefined) tls.rejectUnauthorized = rejectUnauthorized;
  return tls;
}

/** PEM text as it is, else the file it names. Errors name the path, never the content. */
async function pem(
  value: string,
  field: string,
  baseDir: string,
  fail: (message: string) => never,
): Promise<string> {
  if (value.includes('-----BEGIN ')) return value;
  const path = isAbsolute(value) ? value : resolve(baseDir, value);
  try {
    const text = await readFile(path, 'utf8');
    if (!text.includes('-----BEGIN ')) fail(`ssl.${field}: ${path} is not a PEM file.`);
    return text;
  } catch (error) {
    if (error instanceof BridgeConfigError) throw error;
    return fail(`ssl.${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code}).`);
  }
}

function saslOptions(
  config: KafkaFileConfig,
  env: KafkaEnvironment,
  fail: (message: string) => never,
): KafkaSaslOptions | undefined {
  const fromEnv = {
    mechanism: env.KAFKA_SASL_MECHANISM?.trim().toLowerCase() || undefined,
    username: env.KAFKA_SASL_USERNAME || undefined,
    password: env.KAFKA_SASL_PASSWORD || undefined,
  };
  if (
    config.sasl === undefined &&
    fromEnv.mechanism === undefined &&
    fromEnv.username === undefined &&
    fromEnv.password === undefined
  ) {
    return undefined;
  }
  const merged = {
    mechanism: fromEnv.mechanism ?? config.sasl?.mechanism,
    username: fromEnv.username ?? config.sasl?.username,
    password: fromEnv.password ?? config.sasl?.password,
  };
  validateSasl(merged, MERGED_NAMES, fail);
  return merged as KafkaSaslOptions;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
