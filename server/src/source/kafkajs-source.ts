import { randomUUID } from 'node:crypto';
import { consoleLogger, type Logger } from '../environment.js';
import { TopicNotFoundError } from '../errors.js';
import { isUnknownTopicError, leaseKafka, security } from '../kafka-client.js';
import type { KafkaConnectionOptions } from '../kafka-table-options.js';
import type { Admin, Consumer, ConsumerConfig, IHeaders } from '../kafkajs.js';
import { kafkaConnectionError } from '../kafkajs-errors.js';
import { fetchTopicId } from './fetch-topic-id.js';
import type {
  ConsumeOptions,
  KafkaSource,
  PartitionOffsets,
  RawRecord,
  RecordBatch,
  RecordHeader,
  Subscription,
} from './kafka-source.js';

export interface KafkajsSourceOptions extends KafkaConnectionOptions {
  /** Consumer tuning passed to kafkajs as is (groupId is always our own, unique one). */
  readonly consumer?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  readonly logger?: Logger;
}

/**
 * The default adapter, over kafkajs.
 *
 * kafkajs cannot assign partitions without a group, so each subscription joins a group of its
 * own with a unique id and never commits. A rejoin (after a broker outage or a partition change)
 * would fall back to the beginning of the log; the GROUP_JOIN handler seeks every partition to
 * the table's in-memory position instead.
 */
const OFFSET_ATTEMPTS = 5;

const JOIN_ATTEMPTS = 5;

/** As kafkajs decides: retries ran out, or the root cause is marked retriable. */
function isRetriable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { name?: unknown; retriable?: unknown; cause?: unknown };
    if (e.name === 'KafkaJSNumberOfRetriesExceeded' || e.retriable === true) return true;
    current = e.cause;
  }
  return false;
}

export function kafkajsSource(options: KafkajsSourceOptions): KafkaSource {
  const logger = options.logger ?? consoleLogger;
  const { kafka } = leaseKafka(options, logger);
  let admin: Promise<Admin> | undefined;
  const subscriptions = new Set<Subscription>();

  const newConsumer = (topic: string) =>
    kafka.consumer({
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      maxWaitTimeInMs: 100,
      // The group has one member, us. After a broker outage the rejoin waits out the old
      // session, so a short one shortens recovery; brokers accept 6 s and up by default.
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1_000,
      metadataMaxAge: 30_000,
      allowAutoTopicCreation: false,
      ...options.consumer,
      groupId: `tablecast-${topic}-${randomUUID()}`,
      readUncommitted: false,
    });

  const getAdmin = () => {
    admin ??= (async () => {
      const created = kafka.admin();
      try {
        await created.connect();
      } catch (error) {
        admin = undefined;
        throw kafkaConnectionError(error, options.brokers);
      }
      return created;
    })();
    return admin;
  };

  return {
    async offsets(topic: string): Promise<PartitionOffsets[]> {
      const client = await getAdmin();
      // Asking for the offsets of a missing topic makes kafkajs retry for seconds; the topic
      // list answers at once.
      const topics = await client.listTopics();
      if (!topics.includes(topic)) throw new TopicNotFoundError(topic);
      for (let attempt = 1; ; attempt++) {
        try {
          const offsets = await client.fetchTopicOffsets(topic);
          return offsets
            .map((o) => ({ partition: o.partition, earliest: Number(o.low), end: Number(o.high) }))
            .sort((a, b) => a.partition - b.partition);
        } catch (error) {
          if (isUnknownTopicError(error)) throw new TopicNotFoundError(topic, { cause: error });
          // Right after a topic is created or a leader moves, the admin's cached metadata names
          // the wrong leader and its own retries keep asking it; refresh, then ask again.
          if (!isRetriable(error) || attempt >= OFFSET_ATTEMPTS) throw error;
          await client.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    },

    async offsetsForTime(topic: string, timestamp: number) {
      const client = await getAdmin();
      const [byTime, end] = await Promise.all([
        client.fetchTopicOffsetsByTimestamp(topic, timestamp),
        client.fetchTopicOffsets(topic),
      ]);
      // kafkajs answers -1 for a partition with no record at or after the time.
      const high = new Map(end.map((o) => [o.partition, Number(o.high)]));
      return byTime
        .map((o) => ({
          partition: o.partition,
          offset: Number(o.offset) >= 0 ? Number(o.offset) : (high.get(o.partition) ?? 0),
        }))
        .sort((a, b) => a.partition - b.partition);
    },

    async consume(consume: ConsumeOptions): Promise<Subscription> {
      // A freshly started broker answers "coordinator is loading" for a while; joining again
      // with a new consumer gets past it instead of failing the table at start.
      for (let attempt = 1; ; attempt++) {
        const subscription = subscribe(newConsumer(consume.topic), consume, logger);
        subscriptions.add(subscription);
        const close = subscription.close;
        subscription.close = async () => {
          subscriptions.delete(subscription);
          await close();
        };
        try {
          await subscription.ready;
          return subscription;
        } catch (error) {
          await subscription.close();
          if (!isRetriable(error) || attempt >= JOIN_ATTEMPTS) {
            throw kafkaConnectionError(error, options.brokers);
          }
          logger.warn('Joining the consumer group failed; trying again.', {
            topic: consume.topic,
            attempt,
            error: String(error),
          });
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
        }
      }
    },

    async topicId(topic: string): Promise<string | undefined> {
      // kafkajs speaks a Metadata version without topic ids, so ask a bootstrap broker directly.
      for (const broker of options.brokers ?? []) {
        const id = await fetchTopicId(broker, topic, security(options));
        if (id !== undefined) return id;
      }
      return undefined;
    },

    async close(): Promise<void> {
      await Promise.all([...subscriptions].map((s) => s.close()));
      const pending = admin;
      admin = undefined;
      if (pending) await (await pending.catch(() => undefined))?.disconnect();
    },
  };
}

function subscribe(
  consumer: Consumer,
  consume: ConsumeOptions,
  logger: Logger,
): Subscription & { ready: Promise<void>; close: () => Promise<void> } {
  const { topic } = consume;
  // Batches of one partition must reach the table in order, including the empty ones that
  // kafkajs reports only as instrumentation events, so each partition has a promise chain.
  const chains = new Map<number, Promise<void>>();
  const enqueue = (batch: RecordBatch): Promise<void> => {
    const previous = chains.get(batch.partition) ?? Promise.resolve();
    const next = previous.then(() => consume.onBatch(batch));
    chains.set(
      batch.partition,
      next.catch(() => undefined),
    );
    return next;
  };
  let closed = false;

  const removers = [
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assigned = event.payload.memberAssignment[topic] ?? [];
      for (const partition of assigned) {
        const position = consume.positionOf(partition) ?? consume.startAt.get(partition);
        if (position !== undefined) consumer.seek({ topic, partition, offset: String(position) });
      }
    }),
    // Fetches holding only transaction markers, aborted or compacted-away records never reach
    // eachBatch; this event is the only sign that the position moved.
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const { partition, batchSize, lastOffset } = event.payload;
      if (batchSize !== 0 || event.payload.topic !== topic) return;
      void enqueue({ partition, records: [], nextOffset: Number(lastOffset) + 1 });
    }),
    consumer.on(consumer.events.CRASH, (event) => {
      // kafkajs restarts by itself after retriable errors (a broker outage); only a crash it
      // will not restart from ends the reader.
      if (!event.payload.restart && !closed) consume.onFatal(event.payload.error);
    }),
  ];

  const ready = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const records: RawRecord[] = new Array(batch.messages.length);
        for (let i = 0; i < batch.messages.length; i++) {
          const message = batch.messages[i]!;
          records[i] = {
            key: message.key,
            value: message.value,
            offset: Number(message.offset),
            timestamp: Number(message.timestamp),
            ...(consume.headers ? { headers: headersOf(message.headers) } : {}),
          };
        }
        await enqueue({
          partition: batch.partition,
          // Not in kafkajs' typings, but set on every Batch it builds.
          fetchOffset: Number((batch as unknown as { fetchedOffset: string }).fetchedOffset),
          records,
          nextOffset: Number(batch.lastOffset()) + 1,
        });
      },
    });
  })();

  return {
    ready,
    async close() {
      if (closed) return;
      closed = true;
      for (const remove of removers) remove();
      try {
        await consumer.disconnect();
      } catch (error) {
        logger.warn('Consumer did not disconnect cleanly.', { topic, error: String(error) });
      }
    },
  };
}

/**
 * kafkajs' headers as the source's header list. kafkajs folds the list into an object: a name
 * that repeats becomes an array (so repeated names come grouped under their first appearance),
 * and a name the object already has by inheritance ("constructor", "__proto__", "toString")
 * starts its array with that inherited member. Only buffers, strings and nulls are header
 * values; anything else is such a member and is dropped.
 */
export function headersOf(headers: IHeaders | undefined): RecordHeader[] {
  const list: RecordHeader[] = [];
  for (const [key, value] of Object.entries(headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one === null || one === undefined) list.push({ key, value: null });
      else if (Buffer.isBuffer(one)) list.push({ key, value: one });
      else if (typeof one === 'string') list.push({ key, value: Buffer.from(one) });
    }
  }
  return list;
}
