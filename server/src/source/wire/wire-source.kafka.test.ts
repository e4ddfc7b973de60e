import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  produce,
  testKafka,
} from '../../../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../../../test/kafka.js';
import type { KafkaSource, RawRecord } from '../kafka-source.js';
import { wireSource } from './wire-source.js';

const quiet = { warn: () => {}, error: () => {} };

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const source = () =>
  cleanup.add(wireSource({ brokers: brokers(), logger: quiet }), (s) => s.close());

async function newTopic(partitions = 1): Promise<string> {
  const topic = uniqueTopic('wire');
  const admin = await connectAdmin(testKafka(brokers()), cleanup);
  await createTopic(admin, topic, partitions);
  return topic;
}

/** Reads every partition from the beginning to the last stable offset, as a table would. */
async function readAll(src: KafkaSource, topic: string): Promise<RawRecord[]> {
  const offsets = await src.offsets(topic);
  const records: RawRecord[] = [];
  const positions = new Map(offsets.map((o) => [o.partition, o.earliest]));
  const done = () => offsets.every((o) => (positions.get(o.partition) ?? 0) >= o.end);
  if (done()) return records;
  await new Promise<void>((resolve, reject) => {
    const subscribed = src.consume({
      topic,
      startAt: new Map(positions),
      positionOf: (p) => positions.get(p),
      onFatal: reject,
      onBatch: (batch) => {
        records.push(...batch.records);
        positions.set(batch.partition, batch.nextOffset);
        if (done()) resolve();
      },
    });
    subscribed.then((s) => cleanup.add(s, (sub) => sub.close()), reject);
  });
  return records;
}

const text = (r: RawRecord) => [
  Buffer.from(r.key!).toString(),
  r.value && Buffer.from(r.value).toString(),
];

describe('wireSource against a real broker', () => {
  it.each(['gzip', 'snappy', 'lz4', 'zstd'])(
    'reads batches librdkafka compressed with %s',
    async (codec) => {
      const topic = await newTopic(2);
      const lines = Array.from({ length: 500 }, (_, i) => `k${i % 40}:v${i}`).join('\n');
      execFileSync('kcat', ['-b', brokers().join(','), '-t', topic, '-P', '-K:', '-z', codec], {
        input: `${lines}\n`,
      });
      const records = await readAll(source(), topic);
      expect(records).toHaveLength(500);
      expect(new Set(records.map((r) => text(r)[1]))).toEqual(
        new Set(Array.from({ length: 500 }, (_, i) => `v${i}`)),
      );
    },
  );

  it('reads what kafkajs writes, tombstones and empty values included', async () => {
    const topic = await newTopic();
    const producer = await connectProducer(testKafka(brokers()), cleanup);
    await produce(producer, topic, [
      { key: 'a', value: '1' },
      { key: 'b', value: '' },
      { key: 'a', value: null },
    ]);
    const records = await readAll(source(), topic);
    expect(records.map(text)).toEqual([
      ['a', '1'],
      ['b', ''],
      ['a', null],
    ]);
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2]);
  });

  it('drops two aborted transactions of one producer and keeps its commit between them', async () => {
    const topic = await newTopic();
    const producer = await connectProducer(testKafka(brokers()), cleanup, {
      transactionalId: `tx-${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const run = async (value: string, commit: boolean) => {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: [{ key: value, value }] });
      await (commit ? txn.commit() : txn.abort());
    };
    await run('aborted-1', false);
    await run('committed', true);
    await run('aborted-2', false);
    const records = await readAll(source(), topic);
    expect(records.map((r) => text(r)[0])).toEqual(['committed']);
  });

  it('lists the last stable offset as the end, so an open transaction does not hold catch-up', async () => {
    const topic = await newTopic();
    const kafka = testKafka(brokers());
    const plain = await connectProducer(kafka, cleanup);
    await produce(plain, topic, [{ key: 'a', value: '1' }]);
    const tx = await connectProducer(kafka, cleanup, {
      transactionalId: `open-${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const open = await tx.transaction();
    await open.send({ topic, messages: [{ key: 'pending', value: 'x' }] });
    const [offsets] = await source().offsets(topic);
    expect(offsets).toEqual({ partition: 0, earliest: 0, end: 1 });
    await open.abort();
  });

  it('reports TOPIC_RECREATED through onFatal when the topic is deleted and created again', async () => {
    const topic = await newTopic();
    const src = cleanup.add(
      wireSource({ brokers: brokers(), logger: quiet, metadataRefreshMs: 200 }),
      (s) => s.close(),
    );
    const fatal = new Promise<unknown>((resolve) => {
      void src
        .consume({
          topic,
          startAt: new Map([[0, 0]]),
          positionOf: () => undefined,
          onFatal: resolve,
          onBatch: () => {},
        })
        .then((s) => cleanup.add(s, (sub) => sub.close()));
    });
    const admin = await connectAdmin(testKafka(brokers()), cleanup);
    await admin.deleteTopics({ topics: [topic] });
    await createTopic(admin, topic);
    expect(await fatal).toMatchObject({ code: 'TOPIC_RECREATED' });
  });

  it('rejects offsets() of a missing topic with TopicNotFoundError', async () => {
    await expect(source().offsets(uniqueTopic('missing'))).rejects.toMatchObject({
      code: 'TOPIC_NOT_FOUND',
    });
  });

  it('gives the topic id that Metadata reports', async () => {
    const topic = await newTopic();
    expect(await source().topicId!(topic)).toMatch(/^[0-9a-f]{8}-[0-9a-f-]{27}$/);
  });

  it('leaves no socket or timer behind when offsets() fails, even before close()', async () => {
    const count = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout')
        .length;
    const before = count();
    const unreachable = wireSource({ brokers: ['127.0.0.1:1'], logger: quiet, offsetAttempts: 2 });
    await expect(unreachable.offsets('any')).rejects.toThrow(/127\.0\.0\.1:1/);
    const real = wireSource({ brokers: brokers(), logger: quiet });
    await expect(real.offsets(uniqueTopic('missing'))).rejects.toMatchObject({
      code: 'TOPIC_NOT_FOUND',
    });
    await new Promise((resolve) => setImmediate(resolve)); // let destroyed sockets close
    expect(count()).toBeLessThanOrEqual(before);
  });
});
