import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { codecs } from '../../shared/src/codecs/index.js';
import { quiet } from '../../test/bridge-fixtures.js';
import {
  connectProducer,
  holdableSource,
  json,
  type Message,
  produce,
  until,
} from '../../test/fixtures.js';
import { brokers } from '../../test/kafka.js';
import { kafkaTableTestBed, SOURCES } from '../../test/kafka-table-fixtures.js';
import { KafkaTable } from './kafka-table.js';
import type { TableChange, TableStatus } from './table-types.js';

const bed = kafkaTableTestBed();
const { table, events, topicWith } = bed;

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
    const t = bed.cleanup.add(
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
    const txProducer = await connectProducer(k, bed.cleanup, {
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
      bed.cleanup.add(held.source, (s) => s.close());
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
});
