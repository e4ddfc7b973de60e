import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { codecs } from '../../shared/src/codecs/index.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  holdableSource,
  json,
  type Message,
  produce,
  testKafka,
  until,
} from '../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { TablecastError, TopicNotFoundError } from './errors.js';
import { KafkaTable } from './kafka-table.js';
import { KafkaTableWriter } from './kafka-table-writer.js';
import { kafkajsSource } from './source/kafkajs-source.js';
import { wireSource } from './source/wire/wire-source.js';
import type { TableChange, TableStatus } from './table-types.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const kafka = () => testKafka(brokers());
function table<V = unknown>(
  topic: string,
  extra: Partial<ConstructorParameters<typeof KafkaTable<V>>[0]> = {},
) {
  const t = new KafkaTable<V>({
    brokers: brokers(),
    topic,
    valueCodec: codecs.json() as never,
    logger: quiet,
    ...extra,
  });
  return cleanup.add(t, (x) => x.stop());
}
const events = (t: KafkaTable<unknown>) => (listener: () => void) => {
  const a = t.onChanges(listener);
  const b = t.onStatus(listener);
  return () => {
    a();
    b();
  };
};

async function topicWith(messages: Message[], partitions = 1, configs?: Record<string, string>) {
  const topic = uniqueTopic('table');
  const k = kafka();
  const admin = await connectAdmin(k, cleanup);
  await createTopic(admin, topic, partitions, configs);
  const producer = await connectProducer(k, cleanup);
  await produce(producer, topic, messages);
  return { topic, admin, producer, kafka: k };
}

/** Both read paths; a short metadata age so new partitions are seen within a test. */
const SOURCES = [
  ['wireSource', () => wireSource({ brokers: brokers(), logger: quiet, metadataRefreshMs: 500 })],
  [
    'kafkajsSource',
    () => kafkajsSource({ brokers: brokers(), logger: quiet, consumer: { metadataMaxAge: 500 } }),
  ],
] as const;

describe('KafkaTable against a real broker', () => {
  it('replays every revision of every key and ends with the last value per key', async () => {
    const messages: Message[] = [];
    for (let rev = 0; rev < 50; rev++) {
      for (let k = 0; k < 20; k++) messages.push({ key: `key-${k}`, value: json({ k, rev }) });
    }
    messages.push({ key: 'key-3', value: null });
    const { topic } = await topicWith(messages);
    const t = table(topic);
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(t.size).toBe(19);
    expect(t.get('key-0')).toEqual({ k: 0, rev: 49 });
    expect(t.has('key-3')).toBe(false);
    expect(t.stats).toMatchObject({
      recordsApplied: 1001,
      tombstonesApplied: 1,
      replayedAtCatchUp: 1001,
      keylessRecords: 0,
    });
    expect(t.stats.catchUpSeconds).toBeGreaterThan(0);
    expect(Object.isFrozen(t.stats)).toBe(true);
    expect(t.position).toEqual([1001]);
  });

  it('is caught up at once on an empty topic', async () => {
    const { topic } = await topicWith([]);
    const t = table(topic);
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(t.size).toBe(0);
  });

  it('follows live sets and tombstones after catch-up, with change notifications in order', async () => {
    const { topic, producer } = await topicWith([{ key: 'a', value: json(1) }]);
    const t = table(topic);
    await t.start();
    const seen: TableChange<unknown>[] = [];
    t.onChanges((changes) => seen.push(...changes));
    await produce(producer, topic, [
      { key: 'b', value: json(2) },
      { key: 'a', value: null },
      { key: 'b', value: json(3) },
    ]);
    await until(events(t), () => t.get('b') === 3 && !t.has('a'), 'the three writes');
    // Within one fetched batch only a key's last record is applied, so b=2 may be skipped;
    // whatever is reported comes in offset order and ends with each key's last change.
    const offsets = seen.map((c) => c.offset);
    expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    expect(seen.filter((c) => c.key === 'a').at(-1)).toEqual({
      key: 'a',
      deleted: true,
      partition: 0,
      offset: 2,
    });
    // A set also carries its stored wire text (text, plain), hence toMatchObject.
    expect(seen.filter((c) => c.key === 'b').at(-1)).toMatchObject({
      key: 'b',
      deleted: false,
      value: 3,
      partition: 0,
      offset: 3,
    });
    expect(t.snapshot()).toEqual(new Map([['b', 3]]));
  });

  it('keeps the previous value when a poison value arrives, and counts it', async () => {
    const { topic, producer } = await topicWith([{ key: 'cfg', value: json({ ok: true }) }]);
    const t = table(topic);
    await t.start();
    await produce(producer, topic, [{ key: 'cfg', value: '{broken' }]);
    expect(await t.barrier(10_000)).toBe(true);
    expect(t.get('cfg')).toEqual({ ok: true });
    expect(t.stats.valueDecodeErrors).toBe(1);
  });

  it('counts keyless records and undecodable keys (tombstones too) and skips them', async () => {
    const badKey = Buffer.from([0xc3, 0x28]);
    // Compacted topics refuse keyless records, so this one keeps the delete policy.
    const { topic } = await topicWith(
      [
        { key: 'k', value: json(1) },
        { key: null, value: json('no key') },
        { key: badKey, value: json('bad key') },
        { key: badKey, value: null },
      ],
      1,
      { 'cleanup.policy': 'delete' },
    );
    const t = table(topic);
    await t.start();
    expect(t.snapshot()).toEqual(new Map([['k', 1]]));
    expect(t.stats).toMatchObject({ keylessRecords: 1, keyDecodeErrors: 2, tombstonesApplied: 0 });
  });

  it('keeps an empty-bytes value as a value, not a tombstone', async () => {
    const { topic } = await topicWith([{ key: 'empty', value: Buffer.alloc(0) }]);
    const t = table<string>(topic, { valueCodec: codecs.utf8() });
    await t.start();
    expect(t.has('empty')).toBe(true);
    expect(t.get('empty')).toBe('');
  });

  it('validates values through a Standard Schema and counts failures as decode errors', async () => {
    const { topic } = await topicWith([
      { key: 'a', value: json({ on: true }) },
      { key: 'a', value: json({ on: 'yes' }) },
    ]);
    const t = cleanup.add(
      KafkaTable.json({
        brokers: brokers(),
        topic,
        schema: z.object({ on: z.boolean() }),
        logger: quiet,
      }),
      (x) => x.stop(),
    );
    await t.start();
    const value: { on: boolean } | undefined = t.get('a');
    expect(value).toEqual({ on: true });
    expect(t.stats.valueDecodeErrors).toBe(1);
  });

  it('rebuilds the same map when a table is started again', async () => {
    const messages = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 37}`, value: json(i) }));
    const { topic } = await topicWith(messages, 3);
    const first = table(topic);
    await first.start();
    const before = first.snapshot();
    await first.stop();
    const second = table(topic);
    await second.start();
    expect(second.snapshot()).toEqual(before);
    expect(before.size).toBe(37);
  });

  it('reads every partition of a multi-partition topic and tracks where each value came from', async () => {
    const messages = Array.from({ length: 400 }, (_, i) => ({
      key: `key-${i % 100}`,
      value: json(i),
    }));
    const { topic } = await topicWith(messages, 4);
    const t = table(topic);
    await t.start();
    expect(t.size).toBe(100);
    expect(t.get('key-7')).toBe(307);
    const partitions = new Set([...t.keys()].map((k) => t.entry(k)?.partition));
    expect(partitions.size).toBe(4);
    expect(t.position.reduce((a, b) => a + b, 0)).toBe(400);
  });

  it('never shows aborted transactional values and is not stalled by transaction markers', async () => {
    const { topic, kafka: k } = await topicWith([], 2);
    const txProducer = await connectProducer(k, cleanup, {
      transactionalId: `tx-${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const committed = await txProducer.transaction();
    await committed.send({
      topic,
      messages: [{ key: 'a', value: json('committed'), partition: 0 }],
    });
    await committed.commit();
    const aborted = await txProducer.transaction();
    await aborted.send({
      topic,
      messages: [
        { key: 'a', value: json('aborted'), partition: 0 },
        { key: 'b', value: json('aborted'), partition: 1 },
      ],
    });
    await aborted.abort();
    const t = table(topic);
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(t.snapshot()).toEqual(new Map([['a', 'committed']]));
    // Both partitions end in a marker the table never sees as a record.
    expect(t.position).toEqual([4, 2]);
  });

  it.each(SOURCES)(
    'resolves start() as degraded on catch-up timeout, then reaches caught_up (%s)',
    async (_name, makeSource) => {
      const { topic } = await topicWith([{ key: 'a', value: json(1) }]);
      const held = holdableSource(makeSource());
      cleanup.add(held.source, (s) => s.close());
      const t = table(topic, { source: held.source, catchupTimeoutMs: 200 });
      const firstBatch = held.hold();
      await t.start();
      expect(t.status).toBe('degraded');
      await firstBatch;
      const statuses: TableStatus[] = [];
      t.onStatus((s) => statuses.push(s));
      const caughtUp = t.whenCaughtUp(20_000);
      held.release();
      expect(await caughtUp).toBe(true);
      expect(t.status).toBe('caught_up');
      expect(statuses).toEqual(['caught_up']);
      expect(t.get('a')).toBe(1);
    },
  );

  it('rejects a second start, reads before start, and a missing topic without ensureTopic', async () => {
    const { topic } = await topicWith([]);
    const t = table(topic);
    expect(() => t.get('x')).toThrow(expect.objectContaining({ code: 'TABLE_NOT_STARTED' }));
    expect(t.status).toBe('unstarted');
    await t.start();
    await expect(t.start()).rejects.toMatchObject({ code: 'TABLE_ALREADY_STARTED' });

    const missing = table(uniqueTopic('missing'), { ensureTopic: false });
    const error = await missing.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopicNotFoundError);
    expect(missing.status).toBe('failed');
    expect(missing.failure).toBe(error);
  });

  it('closes the Kafka connections it owns when start fails, without waiting for stop()', async () => {
    const sockets = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = sockets();
    const missing = table(uniqueTopic('missing'), { ensureTopic: false });
    await expect(missing.start()).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' });
    expect(await missing.whenCaughtUp(10_000)).toBe(false);
    // The release runs in the background; nothing signals its end but the sockets closing.
    await vi.waitFor(() => expect(sockets()).toBeLessThanOrEqual(before), { timeout: 10_000 });
  });

  it('creates a missing compacted topic when ensureTopic is on', async () => {
    const topic = uniqueTopic('created');
    const t = table(topic, { numPartitions: 3 });
    await t.start();
    const admin = await connectAdmin(kafka(), cleanup);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);
    expect(t.position).toEqual([0, 0, 0]);
  });

  it('keeps reading when a listener throws', async () => {
    const { topic, producer } = await topicWith([]);
    const errors: unknown[] = [];
    const t = table(topic, { logger: { warn: () => {}, error: (_m, d) => errors.push(d) } });
    await t.start();
    t.onChanges(() => {
      throw new Error('listener bug');
    });
    await produce(producer, topic, [{ key: 'a', value: json(1) }]);
    await produce(producer, topic, [{ key: 'b', value: json(2) }]);
    expect(await t.barrier(10_000)).toBe(true);
    expect(t.snapshot()).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(t.status).toBe('caught_up');
  });

  it.each(SOURCES)('picks up partitions added after start (%s)', async (_name, makeSource) => {
    const { topic, admin, kafka: k } = await topicWith([{ key: 'a', value: json(1) }]);
    const t = table(topic, { source: cleanup.add(makeSource(), (s) => s.close()) });
    await t.start();
    await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
    // A producer that already has the topic's metadata would silently drop a record for a
    // partition it does not know yet, so a new one writes it.
    const producer = await connectProducer(k, cleanup);
    await produce(producer, topic, [{ key: 'late', value: json(2), partition: 1 }]);
    await until(events(t), () => t.has('late'), 'the record in the new partition');
    expect(t.entry('late')?.partition).toBe(1);
  });

  it.each(SOURCES)(
    'rebuilds a partition whose log was deleted below its position instead of keeping ghosts (%s)',
    async (_name, makeSource) => {
      // Brokers refuse DeleteRecords on compacted topics; retention on a delete-policy topic is
      // the real-world way a log start moves past a reader.
      const { topic, admin, producer } = await topicWith(
        [
          { key: 'ghost', value: json('old') },
          { key: 'kept', value: json('old') },
        ],
        1,
        { 'cleanup.policy': 'delete' },
      );
      const held = holdableSource(makeSource());
      cleanup.add(held.source, (s) => s.close());
      const t = table(topic, { source: held.source });
      await t.start();
      expect(t.size).toBe(2);
      const heldBatch = held.hold();
      await produce(producer, topic, [{ key: 'kept', value: json('new') }]);
      await heldBatch;
      // While the table is held at offset 2, records 2..9 are written and 0..8 deleted.
      await produce(
        producer,
        topic,
        Array.from({ length: 7 }, (_, i) => ({ key: `n${i}`, value: json(i) })),
      );
      // kafkajs needs the topic's leaders in its metadata before it can route DeleteRecords.
      await admin.fetchTopicOffsets(topic);
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '9' }] });
      held.release();
      await until(events(t), () => !t.has('ghost') && t.has('n6'), 'the rebuilt partition');
      expect(t.has('kept')).toBe(false);
      expect(t.get('n6')).toBe(6);
      expect(t.size).toBe(1);
    },
  );
});

describe('read-your-writes', () => {
  it('waitFor resolves once the table applied a write, and barrier once it applied everything before the call', async () => {
    const topic = uniqueTopic('ryw');
    const t = table(topic, { numPartitions: 3 });
    await t.start();
    const writer = cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.json() }),
      (w) => w.stop(),
    );
    await writer.start();
    const positions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => writer.set(`k${i}`, { i })),
    );
    const results = await Promise.all(positions.map((p) => t.waitFor(p, 10_000)));
    expect(results.every(Boolean)).toBe(true);
    for (let i = 0; i < 30; i++) expect(t.get(`k${i}`)).toEqual({ i });

    const deleted = await writer.delete('k0');
    expect(await t.waitFor(deleted, 10_000)).toBe(true);
    expect(t.has('k0')).toBe(false);

    await Promise.all([writer.set('x', 1), writer.set('y', 2)]);
    const [b1, b2] = await Promise.all([t.barrier(10_000), t.barrier(10_000)]);
    expect([b1, b2]).toEqual([true, true]);
    expect(t.get('x')).toBe(1);
    expect(t.get('y')).toBe(2);
  });

  it('puts a key in the same partition as the Java client would (murmur2)', async () => {
    const topic = uniqueTopic('partitioner');
    await using writer = new KafkaTableWriter({
      brokers: brokers(),
      topic,
      valueCodec: codecs.json(),
    });
    const admin = await connectAdmin(kafka(), cleanup);
    await createTopic(admin, topic, 8);
    await writer.start();
    // Partitions the Java client's default partitioner picks for these keys with 8 partitions.
    const expected: Record<string, number> = { a: 4, b: 4, hello: 5, 'new-checkout': 1 };
    for (const [key, partition] of Object.entries(expected)) {
      expect((await writer.set(key, 1)).partition).toBe(partition);
    }
  });

  it('waitFor and barrier resolve false on timeout and when the table stops, never hang', async () => {
    const { topic } = await topicWith([]);
    const t = table(topic);
    await t.start();
    expect(await t.waitFor({ partition: 0, offset: 1_000 }, 100)).toBe(false);
    const waiting = [
      t.waitFor({ partition: 0, offset: 5 }, 60_000),
      t.waitFor({ partition: 0, offset: 6 }, 60_000),
    ];
    await t.stop();
    expect(await Promise.all(waiting)).toEqual([false, false]);
    expect(await t.barrier(1_000)).toBe(false);
    // Reads still serve the frozen state after stop.
    expect(t.size).toBe(0);
    expect(() => t.waitFor({ partition: -0.5, offset: 1 }, 10)).toThrow(TypeError);
  });

  it('rejects writes before start and after stop with typed errors', async () => {
    const topic = uniqueTopic('writer');
    const writer = new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.json() });
    await expect(writer.set('a', 1)).rejects.toMatchObject({ code: 'WRITER_NOT_STARTED' });
    await writer.stop();
    await writer.stop();
    await expect(writer.set('a', 1)).rejects.toBeInstanceOf(TablecastError);
  });
});
