import { consoleLogger, type Logger } from './environment.js';
import { TablecastError } from './errors.js';
import type { KafkaConnectionOptions } from './kafka-table-options.js';
import { Kafka, type KafkaClient, type KafkaConfig, logLevel } from './kafkajs.js';

/** A kafkajs client and whether we made it (and so may tear it down). */
export interface ClientLease {
  readonly kafka: KafkaClient;
  readonly owned: boolean;
}

/** Uses the injected client, or makes one whose warnings go to our logger, not stdout. */
export function leaseKafka(
  options: KafkaConnectionOptions,
  logger: Logger = consoleLogger,
): ClientLease {
  if (options.kafka !== undefined) return { kafka: options.kafka, owned: false };
  const kafka = new Kafka({
    clientId: options.clientId ?? 'tablecast',
    brokers: [...(options.brokers ?? [])],
    // kafkajs takes the same shape (KafkaSecurityOptions mirrors it); only its typings are
    // not readonly.
    ...(options.ssl !== undefined ? { ssl: options.ssl as NonNullable<KafkaConfig['ssl']> } : {}),
    ...(options.sasl !== undefined
      ? { sasl: options.sasl as NonNullable<KafkaConfig['sasl']> }
      : {}),
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) => {
      // kafkajs logs every retry of a broker outage as an error; the table's status and
      // failure carry what matters, so only its final word goes to the logger.
      if (entry.level <= logLevel.ERROR && entry.log.message?.includes('Crash')) {
        logger.error(`kafkajs: ${entry.log.message}`, { namespace: entry.namespace });
      }
    },
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 8 },
  });
  return { kafka, owned: true };
}

/** kafkajs marks "topic does not exist" with this protocol error type. */
export function isUnknownTopicError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if ((current as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    current =
      (current as { cause?: unknown; originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}

// Node's codes for a certificate the client cannot trust or that names another host.
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Turns kafkajs' failures to authenticate or to agree on TLS into TablecastErrors that say what
 * to fix; anything else is returned as it is. The message never holds the password: kafkajs'
 * own messages name the mechanism and user only.
 */
export function kafkaConnectionError(error: unknown, brokers?: readonly string[]): unknown {
  const where = brokers && brokers.length > 0 ? ` (${brokers.join(', ')})` : '';
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    const message = typeof e.message === 'string' ? e.message : '';
    if (e instanceof TablecastError) return e;
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      return new TablecastError(
        'KAFKA_AUTH_FAILED',
        `Kafka refused the SASL credentials${where}: ${message}. Check sasl.mechanism, username ` +
          'and password, and that the listener enables that mechanism.',
        { cause: error },
      );
    }
    if (
      (typeof e.code === 'string' && TLS_CODES.has(e.code)) ||
      /certificate|self[- ]signed|SSL routines|wrong version number/i.test(message)
    ) {
      return new TablecastError(
        'KAFKA_TLS_ERROR',
        `TLS to Kafka failed${where}: ${message}. Pass the cluster's CA as ssl.ca, check that the ` +
          'broker certificate names the host you connect to, and that the listener speaks TLS.',
        { cause: error },
      );
    }
    current = e.cause ?? (e as { originalError?: unknown }).originalError;
  }
  return error;
}
