import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../scripts/kafka/broker.js';
import { codecs } from '../../shared/src/codecs/index.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  json,
  produce,
  testKafka,
  until,
} from '../../test/fixtures.js';
import { uniqueTopic } from '../../test/kafka.js';
import { TablecastError } from './errors.js';
import { KafkaTable } from './kafka-table.js';
import type { KafkaSource, RecordBatch } from './source/kafka-source.js';
import { kafkajsSource } from './source/kafkajs-source.js';
import { wireSource } from './source/wire/wire-source.js';
import type { TableStatus } from './table-types.js';

// These tests stop and kill a broker, so they get one of their own.
let broker: KafkaBroker;
beforeAll(async () => {
  broker = await startKafka();
});
afterAll(() => broker?.stop());

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const quiet = { warn: () => {}, error: () => {} };

/** Records every batch the real source delivers, to see where the client fetched from. */
function spySource(inner: KafkaSource) {
  const batches: RecordBatch[] = [];
  const source: KafkaSource = {
    offsets: (topic) => inner.offsets(topic),
    close: () => inner.close(),
    ...(inner.topicId ? { topicId: (topic: string) => inner.topicId!(topic) } : {}),
    consume: (options) =>
      inner.consume({
        ...options,
        onBatch: (batch) => {
          batches.push(batch);
          return options.onBatch(batch);
        },
      }),
  };
  return { source, batches };
}

async function seededTopic(records: number, partitions: number) {
  const topic = uniqueTopic('outage');
  const kafka = testKafka([broker.brokers]);
  const admin = await connectAdmin(kafka, cleanup);
  await createTopic(admin, topic, partitions);
  const producer = await connectProducer(kafka, cleanup);
  await produce(
    producer,
    topic,
    Array.from({ length: records }, (_, i) => ({ key: `k${i % 50}`, value: json(i) })),
  );
  await producer.disconnect();
  await admin.disconnect();
  return topic;
}

describe('KafkaTable across broker outages', () => {
  it.each([
    ['wireSource', () => wireSource({ brokers: [broker.brokers], logger: quiet })],
    ['kafkajsSource', () => kafkajsSource({ brokers: [broker.brokers], logger: quiet })],
  ] as const)(
    'rides out a broker restart and resumes from its positions, not from the beginning (%s)',
    async (_name, makeSource) => {
      const topic = await seededTopic(500, 2);
      const spy = spySource(makeSource());
      const table = cleanup.add(
        new KafkaTable({
          brokers: [broker.brokers],
          topic,
          valueCodec: codecs.json(),
          source: spy.source,
          logger: quiet,
        }),
        (t) => t.stop(),
      );
      const statuses: TableStatus[] = [];
      table.onStatus((s) => statuses.push(s));
      await table.start();
      const before = table.position;
      expect(before.reduce((a, b) => a + b, 0)).toBe(500);

      await broker.kill();
      await broker.start();
      spy.batches.length = 0;

      const kafka = testKafka([broker.brokers]);
      const producer = await connectProducer(kafka, cleanup);
      await produce(
        producer,
        topic,
        Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 50}`, value: json(1000 + i) })),
      );
      expect(await table.barrier(60_000)).toBe(true);

      for (let k = 0; k < 50; k++) expect(table.get(`k${k}`)).toBe(1050 + k);
      expect(table.stats.recordsApplied).toBe(600);
      expect(table.status).toBe('caught_up');
      expect(statuses).toEqual(['loading', 'caught_up']);
      // Every fetch after the outage started at or past where the table was, never at 0.
      const fetched = spy.batches.filter((b) => b.fetchOffset !== undefined);
      expect(fetched.length).toBeGreaterThan(0);
      for (const batch of fetched) {
        expect(batch.fetchOffset).toBeGreaterThanOrEqual(before[batch.partition] ?? 0);
      }
    },
  );

  it('turns failed when its reader dies, and keeps serving the frozen map', async () => {
    const topic = await seededTopic(100, 1);
    const table = cleanup.add(
      new KafkaTable({
        brokers: [broker.brokers],
        topic,
        valueCodec: codecs.json(),
        logger: quiet,
        // A reader told never to retry dies at the first outage: the way to see death for real.
        source: kafkajsSource({
          brokers: [broker.brokers],
          logger: quiet,
          consumer: { retry: { retries: 0, restartOnFailure: async () => false } },
        }),
      }),
      (t) => t.stop(),
    );
    await table.start();
    const frozen = table.snapshot();
    const waiting = table.waitFor({ partition: 0, offset: 10_000 }, 120_000);

    await broker.kill();
    await until(
      (l) => table.onStatus(l),
      () => table.status === 'failed',
      'failed',
      60_000,
    );
    expect(table.failure).toBeInstanceOf(TablecastError);
    expect(table.failure).toMatchObject({ code: 'KAFKA_ERROR' });
    expect((table.failure as TablecastError).cause).toBeInstanceOf(Error);
    expect(await table.whenCaughtUp(1_000)).toBe(false);
    expect(await waiting).toBe(false);
    expect(table.snapshot()).toEqual(frozen);
    expect(table.get('k1')).toBe(51);
    expect(await table.barrier(1_000)).toBe(false);
    await broker.start();
  });

  it('turns failed with KAFKA_AUTH_FAILED when SASL is asked of a listener without it (wireSource)', async () => {
    const topic = await seededTopic(1, 1);
    const table = cleanup.add(
      new KafkaTable({
        brokers: [broker.brokers],
        topic,
        valueCodec: codecs.json(),
        logger: quiet,
        ensureTopic: false,
        sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' },
      }),
      (t) => t.stop(),
    );
    const error = await table.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KAFKA_AUTH_FAILED' });
    expect(table.status).toBe('failed');
  });
});
