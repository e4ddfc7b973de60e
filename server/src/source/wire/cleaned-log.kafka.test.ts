import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../../scripts/kafka/broker.js';
import { codecs } from '../../../../shared/src/codecs/index.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  testKafka,
} from '../../../../test/fixtures.js';
import { uniqueTopic } from '../../../../test/kafka.js';
import { KafkaTable } from '../../kafka-table.js';
import { Cluster } from './cluster.js';
import { fetchRequest } from './fetch.js';

// The log cleaner runs every 15 s by default; this broker's runs every 100 ms.
let broker: KafkaBroker;
const cleanup = new Cleanup();
const quiet = { warn: () => {}, error: () => {} };

beforeAll(async () => {
  broker = await startKafka({ extraConfig: { 'log.cleaner.backoff.ms': '100' } });
}, 120_000);

afterAll(async () => {
  await cleanup.dispose();
  await broker?.stop();
});

/** The record count of the first batch in partition 0, read with a raw Fetch. */
async function firstBatchRecordCount(topic: string): Promise<number | undefined> {
  const cluster = new Cluster({
    brokers: [broker.brokers],
    clientId: 'test',
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
  });
  try {
    const metadata = await cluster.metadata(topic);
    const b = await cluster.connectNode(metadata.partitions[0]!.leader, 'test');
    const limits = { maxWaitMs: 0, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20 };
    const request = fetchRequest(
      12,
      { name: topic, id: undefined },
      [{ partition: 0, offset: 0, leaderEpoch: -1 }],
      limits,
    );
    const response = await b.connection.send(request);
    const records = response.partitions[0]?.records;
    return records && records.length >= 61 ? records.readInt32BE(57) : undefined;
  } finally {
    cluster.close();
  }
}

describe('a log the cleaner has compacted', () => {
  it('is read to its end past the empty batch the cleaner keeps for an idempotent producer', async () => {
    const topic = uniqueTopic('cleaned');
    const kafka = testKafka([broker.brokers]);
    const admin = await connectAdmin(kafka, cleanup);
    await createTopic(admin, topic, 1, {
      'cleanup.policy': 'compact',
      'segment.ms': '100',
      'min.cleanable.dirty.ratio': '0.001',
      'min.compaction.lag.ms': '0',
      'delete.retention.ms': '0',
    });
    // The idempotent producer's only batch is its last: the cleaner keeps it, emptied.
    const idempotent = await connectProducer(kafka, cleanup, {
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await idempotent.send({ topic, acks: -1, messages: [{ key: 'a', value: '"old"' }] });
    await idempotent.disconnect();
    const other = await connectProducer(kafka, cleanup);
    await other.send({ topic, acks: -1, messages: [{ key: 'a', value: '"new"' }] });
    // Segments roll only on an append after segment.ms, and only rolled segments are cleaned:
    // keep appending until the cleaner has emptied the first batch (bounded).
    let count: number | undefined = 1;
    for (let i = 0; i < 200 && count !== 0; i++) {
      await sleep(150);
      await other.send({ topic, acks: -1, messages: [{ key: 'filler', value: String(i) }] });
      count = await firstBatchRecordCount(topic);
    }
    expect(count).toBe(0);

    const table = cleanup.add(
      new KafkaTable({
        brokers: [broker.brokers],
        topic,
        valueCodec: codecs.json(),
        logger: quiet,
        catchupTimeoutMs: 20_000,
      }),
      (t) => t.stop(),
    );
    await table.start();
    expect(table.status).toBe('caught_up');
    expect(table.get('a')).toBe('new');
  }, 90_000);
});
