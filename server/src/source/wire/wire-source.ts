import { randomUUID } from 'node:crypto';
import { consoleLogger, type Logger } from '../../environment.js';
import { TopicNotFoundError } from '../../errors.js';
import type { KafkaSecurityOptions } from '../../kafka-security.js';
import type {
  ConsumeOptions,
  KafkaSource,
  PartitionOffsets,
  Subscription,
} from '../kafka-source.js';
import { Cluster, isFatalError } from './cluster.js';
import { readOffsets, readOffsetsForTime } from './read-offsets.js';
import { TopicReader } from './topic-reader.js';

export interface WireSourceOptions extends KafkaSecurityOptions {
  /** Bootstrap brokers, e.g. `['127.0.0.1:9092']`. */
  readonly brokers: readonly string[];
  /** Client id reported to the brokers. Default `tablecast`. */
  readonly clientId?: string;
  readonly logger?: Logger;
  /** How long a fetch waits on the broker for new data. Default 200 ms. */
  readonly fetchMaxWaitMs?: number;
  /** Bytes per fetch response (a first batch larger than this still comes). Default 32 MiB. */
  readonly fetchMaxBytes?: number;
  /** Bytes per partition in a fetch response. Default 8 MiB: a bigger batch holds more superseded revisions that a table never decodes. */
  readonly partitionMaxBytes?: number;
  /** Default 10000 ms. */
  readonly connectTimeoutMs?: number;
  /** Default 30000 ms. */
  readonly requestTimeoutMs?: number;
  /** First backoff after a failure; it doubles up to 2000 ms. Default 100 ms. */
  readonly retryMs?: number;
  /** How often a reader refreshes metadata to find new partitions. Default 30000 ms. */
  readonly metadataRefreshMs?: number;
  /** How many times offsets() tries before it gives up. Default 8. */
  readonly offsetAttempts?: number;
  /**
   * Check every record batch's CRC-32C, as the Java consumer does; a batch that fails it is
   * fetched again, twice at most, then fails the table with `KAFKA_PROTOCOL_ERROR` instead of
   * becoming wrong values. Default true. On the CPU's CRC instruction it costs no measurable
   * catch-up time, in pure JavaScript (platforms with no prebuilt @node-rs/crc32) ~9%
   * (docs/BENCHMARKS.md). librdkafka skips it by default.
   */
  readonly checkCrcs?: boolean;
}

/**
 * tablecast's own Kafka read path: a small client that speaks only what a table needs
 * (ApiVersions, SASL, Metadata, ListOffsets, Fetch) at read_committed, with no consumer group.
 * It decodes record batches straight into records that are views of the response, handles all
 * four compressions, steps over empty and control batches, and filters aborted transactions.
 */
export function wireSource(options: WireSourceOptions): KafkaSource {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw new TypeError("wireSource needs brokers, e.g. ['127.0.0.1:9092'].");
  }
  const logger = options.logger ?? consoleLogger;
  const retryMs = options.retryMs ?? 100;
  const cluster = new Cluster({
    brokers: options.brokers,
    clientId: options.clientId ?? 'tablecast',
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    ...(options.ssl ? { ssl: options.ssl } : {}),
    ...(options.sasl ? { sasl: options.sasl } : {}),
  });
  const readers = new Set<TopicReader>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const withRetries = async <T>(attemptOnce: () => Promise<T>): Promise<T> => {
    const attempts = options.offsetAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce();
      } catch (error) {
        // Right after a topic is created or a leader moves, brokers answer "no leader" or
        // "unknown topic" for a moment; only fatal errors and a long outage give up.
        const transient = !isFatalError(error) && attempt < attempts;
        if (!transient || (error instanceof TopicNotFoundError && attempt >= 3)) {
          // A caller that gives up on us should not have to close() to get its sockets back.
          cluster.release('admin');
          throw error;
        }
        await sleep(Math.min(2_000, retryMs * 2 ** (attempt - 1)));
      }
    }
  };

  return {
    offsets(topic: string): Promise<PartitionOffsets[]> {
      return withRetries(() => readOffsets(cluster, topic));
    },

    offsetsForTime(topic: string, timestamp: number) {
      return withRetries(() => readOffsetsForTime(cluster, topic, timestamp));
    },

    async consume(consume: ConsumeOptions): Promise<Subscription> {
      const purpose = `fetch-${randomUUID()}`;
      const reader = new TopicReader({
        cluster,
        consume,
        logger,
        purpose,
        limits: {
          maxWaitMs: options.fetchMaxWaitMs ?? 200,
          maxBytes: options.fetchMaxBytes ?? 32 * 1024 * 1024,
          partitionMaxBytes: options.partitionMaxBytes ?? 8 * 1024 * 1024,
        },
        checkCrcs: options.checkCrcs ?? true,
        retryMs,
        maxRetryMs: 2_000,
        metadataRefreshMs: options.metadataRefreshMs ?? 30_000,
      });
      try {
        await withRetries(() => reader.start());
      } catch (error) {
        await reader.close();
        cluster.release('admin');
        throw error;
      }
      readers.add(reader);
      return {
        async close() {
          readers.delete(reader);
          await reader.close();
        },
      };
    },

    topicId(topic: string): Promise<string | undefined> {
      // Asked beside offsets() at start: one dropped connection must not fail the table.
      return withRetries(async () => (await cluster.metadata(topic)).topicId);
    },

    async close(): Promise<void> {
      await Promise.all([...readers].map((r) => r.close()));
      readers.clear();
      cluster.close();
    },
  };
}
