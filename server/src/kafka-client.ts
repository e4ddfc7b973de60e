import { consoleLogger, type Logger } from './environment.js';
import type { KafkaSecurityOptions } from './kafka-security.js';
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
    // kafkajs takes the same ssl and sasl shapes; its typings only split the mechanism union.
    ...(security(options) as Pick<KafkaConfig, 'ssl' | 'sasl'>),
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

/** Only the TLS/SASL part of connection options, without undefined keys. */
export function security(options: KafkaSecurityOptions): KafkaSecurityOptions {
  return {
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
  };
}
