import type { Codec } from '../../shared/src/codecs/codec.js';
import type { Logger, Timers } from './environment.js';
import type { KafkaSecurityOptions } from './kafka-security.js';
import type { KafkaClient } from './kafkajs.js';
import type { PolicyMismatchMode } from './policy-mismatch-mode.js';
import type { KafkaSource } from './source/kafka-source.js';

/** Where the cluster is and how to authenticate to it (`ssl`, `sasl`). */
export interface KafkaConnectionOptions extends KafkaSecurityOptions {
  /** Bootstrap brokers, e.g. `['127.0.0.1:9092']`. Give this or `kafka`. */
  readonly brokers?: readonly string[];
  /**
   * An existing kafkajs client to share; tablecast never disconnects what it did not create.
   * A table given one reads through kafkajs (`kafkajsSource`) instead of its own read path.
   */
  readonly kafka?: KafkaClient;
  /** Client id reported to the brokers. Default `tablecast`. */
  readonly clientId?: string;
}

export interface KafkaTableOptions<V> extends KafkaConnectionOptions {
  readonly topic: string;
  readonly valueCodec: Codec<V>;
  /** Decodes keys; default UTF-8 (invalid UTF-8 is a key decode error). */
  readonly keyCodec?: Codec<string>;
  /** How long start() waits for catch-up before resolving as `degraded`. Default 30000. */
  readonly catchupTimeoutMs?: number;
  /** Create the topic if missing and check its cleanup policy. Default true. */
  readonly ensureTopic?: boolean;
  /** Configs for a topic that ensureTopic creates (cleanup.policy=compact is always set). */
  readonly topicConfigs?: Readonly<Record<string, string>>;
  /** Partitions for a topic that ensureTopic creates. Default 1. */
  readonly numPartitions?: number;
  /** What ensureTopic does when an existing topic is not compacted. Default 'warn'. */
  readonly onPolicyMismatch?: PolicyMismatchMode;
  /**
   * Replaces the Kafka read path. Default: `wireSource` (tablecast's own client) over `brokers`,
   * or `kafkajsSource` when a kafkajs client is passed as `kafka`.
   */
  readonly source?: KafkaSource;
  /**
   * How many deleted keys the table remembers so a resuming client can be told which of its keys
   * are gone. Past it, resumes from before the oldest remembered delete become full resets.
   * Default 100000.
   */
  readonly tombstoneHistory?: number;
  /**
   * The longest value the table stores, in bytes as read from Kafka (after decompression). A
   * longer one is rejected before it is decoded, like a value that does not decode: counted in
   * `stats.valueTooLargeErrors`, logged, and the key keeps its previous value. Default 16 MiB.
   */
  readonly maxValueBytes?: number;
  /**
   * The longest key the table accepts, in bytes as read from Kafka (after decompression). A
   * longer one counts as a key that does not decode: `stats.keyDecodeErrors`, and the record is
   * skipped, tombstones too. Default 1 MiB.
   */
  readonly maxKeyBytes?: number;
  readonly logger?: Logger;
  readonly timers?: Timers;
}

const POLICY_MODES: readonly string[] = ['warn', 'raise', 'reconcile'];

/** Rejects bad or conflicting options at construction, before anything connects. */
export function validateTableOptions(options: KafkaTableOptions<unknown>): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('KafkaTable needs an options object.');
  }
  validateTopicName(options.topic);
  if (!isCodec(options.valueCodec)) {
    throw new TypeError(
      'KafkaTable needs a valueCodec with encode() and decode(), e.g. codecs.json().',
    );
  }
  if (options.keyCodec !== undefined && !isCodec(options.keyCodec)) {
    throw new TypeError('keyCodec must have encode() and decode().');
  }
  validateConnection(options, options.source === undefined, 'KafkaTable');
  if (
    options.ensureTopic !== false &&
    options.brokers === undefined &&
    options.kafka === undefined
  ) {
    throw new TypeError('ensureTopic needs brokers or kafka; pass one, or set ensureTopic: false.');
  }
  if (options.catchupTimeoutMs !== undefined) {
    validatePositiveInteger('catchupTimeoutMs', options.catchupTimeoutMs);
  }
  if (options.numPartitions !== undefined) {
    validatePositiveInteger('numPartitions', options.numPartitions);
  }
  if (options.tombstoneHistory !== undefined) {
    validatePositiveInteger('tombstoneHistory', options.tombstoneHistory);
  }
  if (options.maxValueBytes !== undefined) {
    validatePositiveInteger('maxValueBytes', options.maxValueBytes);
  }
  if (options.maxKeyBytes !== undefined) {
    validatePositiveInteger('maxKeyBytes', options.maxKeyBytes);
  }
  if (options.onPolicyMismatch !== undefined && !POLICY_MODES.includes(options.onPolicyMismatch)) {
    throw new RangeError(
      `onPolicyMismatch must be 'warn', 'raise' or 'reconcile', got ${String(options.onPolicyMismatch)}.`,
    );
  }
}

export function validateConnection(
  options: KafkaConnectionOptions,
  required: boolean,
  owner: string,
): void {
  if (options.brokers !== undefined && options.kafka !== undefined) {
    throw new TypeError(`${owner}: pass brokers or kafka, not both.`);
  }
  if (options.kafka !== undefined && (options.ssl !== undefined || options.sasl !== undefined)) {
    throw new TypeError(
      `${owner}: ssl and sasl go with brokers; an injected kafka client brings its own security settings.`,
    );
  }
  if (options.brokers !== undefined) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new TypeError(`${owner}: brokers must be a non-empty array like ['127.0.0.1:9092'].`);
    }
    for (const broker of options.brokers) {
      if (typeof broker !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(broker)) {
        throw new TypeError(`${owner}: broker ${JSON.stringify(broker)} is not host:port.`);
      }
    }
  } else if (required && options.kafka === undefined) {
    throw new TypeError(`${owner} needs brokers (e.g. ['127.0.0.1:9092']) or a kafka client.`);
  }
}

export function validateTopicName(topic: unknown): asserts topic is string {
  if (
    typeof topic !== 'string' ||
    !/^[A-Za-z0-9._-]{1,249}$/.test(topic) ||
    topic === '.' ||
    topic === '..'
  ) {
    throw new TypeError(
      `Invalid topic name ${JSON.stringify(topic)}: use 1-249 of A-Z a-z 0-9 . _ - (not "." or "..").`,
    );
  }
}

export function validatePositiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}.`);
  }
}

function isCodec(value: unknown): value is Codec<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Codec<unknown>).decode === 'function' &&
    typeof (value as Codec<unknown>).encode === 'function'
  );
}
