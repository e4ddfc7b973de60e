import type { Codec } from '../../shared/src/codecs/codec.js';
import { utf8 } from '../../shared/src/codecs/utf8.js';
import { consoleLogger, type Logger } from './environment.js';
import { TablecastError } from './errors.js';
import { type ClientLease, leaseKafka } from './kafka-client.js';
import {
  type KafkaConnectionOptions,
  validateConnection,
  validateTopicName,
} from './kafka-table-options.js';
import type { Producer } from './kafkajs.js';
import { kafkaConnectionError } from './kafkajs-errors.js';
import { murmur2Partitioner } from './murmur2-partitioner.js';
import type { LogPosition } from './table-types.js';

export interface KafkaTableWriterOptions<V> extends KafkaConnectionOptions {
  readonly topic: string;
  readonly valueCodec: Codec<V>;
  /** Default UTF-8. */
  readonly keyCodec?: Codec<string>;
  /**
   * Idempotent producer (default true): a retried send is written once. Turn it off only for
   * brokers or ACLs that refuse idempotence. Writes are acknowledged by all in-sync replicas
   * either way.
   */
  readonly idempotent?: boolean;
  readonly logger?: Logger;
}

/**
 * Writes keys and tombstones to a table's topic and returns where each landed, so a reader can
 * `waitFor` it. Keys are partitioned with Kafka's default (murmur2) partitioner, as the Java
 * client and others do, so every writer puts a key in the same partition.
 */
export class KafkaTableWriter<V> {
  readonly topic: string;
  readonly #options: KafkaTableWriterOptions<V>;
  readonly #keyCodec: Codec<string>;
  readonly #lease: ClientLease;
  #producer: Producer | undefined;
  #state: 'new' | 'starting' | 'started' | 'stopped' = 'new';

  constructor(options: KafkaTableWriterOptions<V>) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('KafkaTableWriter needs an options object.');
    }
    validateTopicName(options.topic);
    validateConnection(options, true, 'KafkaTableWriter');
    if (typeof options.valueCodec?.encode !== 'function') {
      throw new TypeError('KafkaTableWriter needs a valueCodec with encode(), e.g. codecs.json().');
    }
    this.#options = options;
    this.topic = options.topic;
    this.#keyCodec = options.keyCodec ?? utf8();
    this.#lease = leaseKafka(options, options.logger ?? consoleLogger);
  }

  /** `new` until start(), then `starting`, `started`, and `stopped` after stop(). */
  get state(): 'new' | 'starting' | 'started' | 'stopped' {
    return this.#state;
  }

  /** Encodes keys (UTF-8 unless given); a key it refuses is the caller's error, not Kafka's. */
  get keyCodec(): Codec<string> {
    return this.#keyCodec;
  }

  /** The codec values are written with; the bridge validates client writes with it. */
  get valueCodec(): Codec<V> {
    return this.#options.valueCodec;
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') {
      throw new TablecastError(
        'TABLE_ALREADY_STARTED',
        `Writer for "${this.topic}" was already started.`,
      );
    }
    this.#state = 'starting';
    const idempotent = this.#options.idempotent ?? true;
    const producer = this.#lease.kafka.producer({
      idempotent,
      allowAutoTopicCreation: false,
      createPartitioner: murmur2Partitioner,
      ...(idempotent ? { maxInFlightRequests: 5 } : {}),
    });
    try {
      await producer.connect();
    } catch (error) {
      this.#state = 'new';
      throw kafkaConnectionError(error, this.#options.brokers);
    }
    // stop() may have run while connecting.
    if ((this.#state as string) === 'stopped') {
      await producer.disconnect();
      return;
    }
    this.#producer = producer;
    this.#state = 'started';
  }

  /** Writes `value` under `key`; resolves when the broker acked it. */
  set(key: string, value: V): Promise<LogPosition> {
    return this.#send(key, this.#options.valueCodec.encode(value));
  }

  /** Writes a tombstone for `key`; resolves when the broker acked it. */
  delete(key: string): Promise<LogPosition> {
    return this.#send(key, null);
  }

  async #send(key: string, value: Uint8Array | null): Promise<LogPosition> {
    if (typeof key !== 'string') throw new TypeError(`Keys are strings, got ${typeof key}.`);
    const producer = this.#producer;
    if (producer === undefined || this.#state !== 'started') {
      throw new TablecastError(
        this.#state === 'stopped' ? 'WRITER_STOPPED' : 'WRITER_NOT_STARTED',
        this.#state === 'stopped'
          ? `Writer for "${this.topic}" is stopped.`
          : `Writer for "${this.topic}" is not started; call and await start() first.`,
      );
    }
    const [metadata] = await producer.send({
      topic: this.topic,
      acks: -1,
      messages: [
        {
          key: toBuffer(this.#keyCodec.encode(key)),
          value: value === null ? null : toBuffer(value),
        },
      ],
    });
    if (metadata === undefined || metadata.baseOffset === undefined) {
      throw new TablecastError(
        'KAFKA_ERROR',
        `The broker did not report where the write to "${this.topic}" landed.`,
      );
    }
    return { partition: metadata.partition, offset: Number(metadata.baseOffset) };
  }

  /** Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
