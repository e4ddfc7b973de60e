import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { isUnknownTopicError } from '../server/src/kafka-client.js';
import { KafkaTable } from '../server/src/kafka-table.js';
import { KafkaTableWriter } from '../server/src/kafka-table-writer.js';
import type { KafkaSource, RecordBatch } from '../server/src/source/kafka-source.js';
import { kafkajsSource } from '../server/src/source/kafkajs-source.js';
import { codecs } from '../shared/src/codecs/index.js';
import { brokers, uniqueTopic } from './kafka.js';

/** A kafkajs client for test setup: quiet, and with short retries so failures show quickly. */
export function testKafka(brokers: readonly string[]): Kafka {
  return new Kafka({
    clientId: 'tablecast-test',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

/**
 * Everything a test opens goes on this stack and is closed in reverse order by `dispose()`,
 * even when the test fails halfway.
 */
export class Cleanup {
  readonly #stack: Array<() => unknown> = [];

  add<T>(resource: T, close: (resource: T) => unknown): T {
    this.#stack.push(() => close(resource));
    return resource;
  }

  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    while (this.#stack.length > 0) {
      try {
        await this.#stack.pop()!();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  }
}

export async function connectAdmin(kafka: Kafka, cleanup: Cleanup): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  return cleanup.add(admin, (a) => a.disconnect());
}

export async function connectProducer(
  kafka: Kafka,
  cleanup: Cleanup,
  config: Parameters<Kafka['producer']>[0] = {},
): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, ...config });
  await producer.connect();
  return cleanup.add(producer, (p) => p.disconnect());
}

export async function createTopic(
  admin: Admin,
  topic: string,
  numPartitions = 1,
  configs: Record<string, string> = { 'cleanup.policy': 'compact' },
): Promise<void> {
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions,
          replicationFactor: 1,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } catch (error) {
    // kafkajs gives up at the first "unknown topic" while it waits for the new topic's leaders,
    // which a busy broker answers for a moment after creating it (as ensureTopic handles too).
    if (!isUnknownTopicError(error)) throw error;
    await untilKnown(admin, topic);
  }
}

/** Until the broker's metadata has `topic` with a leader for every partition (at most 15 s). */
async function untilKnown(admin: Admin, topic: string): Promise<void> {
  const deadline = performance.now() + 15_000;
  for (let pause = 50; ; pause = Math.min(1_000, pause * 2)) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      if (topics[0]?.partitions.every((p) => p.leader >= 0)) return;
    } catch (error) {
      if (!isUnknownTopicError(error) || performance.now() + pause > deadline) throw error;
    }
    if (performance.now() + pause > deadline) throw new Error(`topic ${topic} has no leaders`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

export type Message = {
  key: string | Buffer | null;
  value: string | Buffer | null;
  partition?: number;
};

export async function produce(
  producer: Producer,
  topic: string,
  messages: Message[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += 5_000) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 5_000) });
  }
}

export const json = (value: unknown) => JSON.stringify(value);

/**
 * Wraps a real source so a test can hold batches back: while `hold()` is in force, batches wait
 * before reaching the table, and the Kafka client stops fetching for that partition, just as
 * it would behind a slow table.
 */
export function holdableSource(inner: KafkaSource) {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let firstHeld: ((batch: RecordBatch) => void) | undefined;
  const source: KafkaSource = {
    offsets: (topic) => inner.offsets(topic),
    close: () => inner.close(),
    ...(inner.topicId ? { topicId: (topic: string) => inner.topicId!(topic) } : {}),
    consume: async (options) => {
      const subscription = await inner.consume({
        ...options,
        onBatch: async (batch) => {
          if (gate) {
            firstHeld?.(batch);
            firstHeld = undefined;
            await gate;
          }
          return options.onBatch(batch);
        },
      });
      // A held batch would keep the client from disconnecting.
      return {
        close: () => {
          release();
          return subscription.close();
        },
      };
    },
  };
  const release = () => {
    gate = undefined;
    open?.();
  };
  return {
    source,
    /** Holds batches until `release()`; resolves with the first batch that was held. */
    hold(): Promise<RecordBatch> {
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return new Promise<RecordBatch>((resolve) => {
        firstHeld = resolve;
      });
    },
    release,
  };
}

/**
 * Resolves when `predicate` holds after some status or change event of the table. `what` names
 * the awaited state in the timeout's error; a function is asked at the timeout, so the error
 * tells the state then, not at the start.
 */
export function until(
  subscribe: (listener: () => void) => () => void,
  predicate: () => boolean,
  what: string | (() => string),
  timeoutMs = 30_000,
): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = subscribe(() => {
      if (!predicate()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

const quietLogger = { warn: () => {}, error: () => {} };

/**
 * Another replica's table of `topic` (superjson values) whose batches the test can hold back:
 * a bridge replica that lags behind. Not started: start it, or let a bridge do it.
 */
export function heldReplica(topic: string, brokers: string[], cleanup: Cleanup) {
  const held = holdableSource(kafkajsSource({ brokers, logger: quietLogger }));
  cleanup.add(held.source, (s) => s.close());
  const table = cleanup.add(
    new KafkaTable({
      brokers,
      topic,
      valueCodec: codecs.superjson(),
      source: held.source,
      logger: quietLogger,
    }),
    (t) => t.stop(),
  );
  return { table, held };
}

/**
 * A new topic on the test broker with a started superjson KafkaTable over it and a started
 * writer, both closed by `cleanup`.
 */
export async function liveTopic(cleanup: Cleanup, prefix: string, numPartitions = 1) {
  const topic = uniqueTopic(prefix);
  const table = cleanup.add(
    new KafkaTable({
      brokers: brokers(),
      topic,
      valueCodec: codecs.superjson(),
      numPartitions,
      logger: quietLogger,
    }),
    (t) => t.stop(),
  );
  await table.start();
  const writer = cleanup.add(
    new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.superjson() }),
    (w) => w.stop(),
  );
  await writer.start();
  return { topic, table, writer };
}
