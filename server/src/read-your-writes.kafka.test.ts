import { describe, expect, it } from 'vitest';
import { codecs } from '../../shared/src/codecs/index.js';
import { connectAdmin, createTopic } from '../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { kafkaTableTestBed } from '../../test/kafka-table-fixtures.js';
import { TablecastError } from './errors.js';
import { KafkaTableWriter } from './kafka-table-writer.js';

const bed = kafkaTableTestBed();
const { kafka, table, topicWith } = bed;

describe('read-your-writes', () => {
  it('waitFor resolves once the table applied a write, and barrier once it applied everything before the call', async () => {
    const topic = uniqueTopic('ryw');
    const t = table(topic, { numPartitions: 3 });
    await t.start();
    const writer = bed.cleanup.add(
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
    const admin = await connectAdmin(kafka(), bed.cleanup);
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
