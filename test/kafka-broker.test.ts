import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Admin, Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../scripts/kafka/broker.js';
import { brokers, uniqueTopic } from './kafka.js';

type Cleanup = () => Promise<unknown>;
const cleanups: Cleanup[] = [];

afterEach(async () => {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => errors.push(error));
  }
  if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
});

function client(bootstrap: string[]): Kafka {
  return new Kafka({
    clientId: 'kafka-broker-test',
    brokers: bootstrap,
    logLevel: logLevel.NOTHING,
  });
}

async function connectedAdmin(kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin();
  cleanups.push(() => admin.disconnect());
  await admin.connect();
  return admin;
}

async function produce(kafka: Kafka, topic: string, key: string, value: string): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

async function consumeFirst(
  kafka: Kafka,
  topic: string,
): Promise<{ key: string | undefined; value: string | undefined }> {
  const consumer = kafka.consumer({ groupId: uniqueTopic('kafka-broker-test-group') });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message on ${topic}`)), 20_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve({ key: message.key?.toString(), value: message.value?.toString() });
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('kafka broker', () => {
  it('accepts produce and consume on a fresh topic', async () => {
    const kafka = client(brokers());
    const admin = await connectedAdmin(kafka);
    const topic = uniqueTopic('broker-smoke');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });

    await produce(kafka, topic, 'k1', 'hello');

    await expect(consumeFirst(kafka, topic)).resolves.toEqual({ key: 'k1', value: 'hello' });
  });

  it('keeps topics and data across stop() and start() on the same port', async () => {
    // An explicit data dir, because stop() deletes directories that startKafka created.
    const dataDir = await mkdtemp(join(tmpdir(), 'tablecast-kafka-test-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let broker: KafkaBroker | undefined;
    cleanups.push(async () => broker?.stop());
    broker = await startKafka({ dataDir });
    const port = broker.port;
    const topic = uniqueTopic('broker-restart');

    {
      const kafka = client([broker.brokers]);
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.createTopics({
          topics: [{ topic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
          waitForLeaders: true,
        });
      } finally {
        await admin.disconnect();
      }
      await produce(kafka, topic, 'user-1', 'before-restart');
    }

    await broker.stop();
    await broker.start();
    expect(broker.port).toBe(port);
    expect(broker.brokers).toBe(`127.0.0.1:${port}`);

    const kafka = client([broker.brokers]);
    const admin = await connectedAdmin(kafka);
    expect(await admin.listTopics()).toContain(topic);
    await expect(consumeFirst(kafka, topic)).resolves.toEqual({
      key: 'user-1',
      value: 'before-restart',
    });
  }, 180_000);
});
