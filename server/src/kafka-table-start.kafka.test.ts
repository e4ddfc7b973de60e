import { describe, expect, it, vi } from 'vitest';
import { quiet } from '../../test/bridge-fixtures.js';
import { connectAdmin } from '../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { kafkaTableTestBed } from '../../test/kafka-table-fixtures.js';
import { TopicNotFoundError } from './errors.js';
import type { KafkaSource } from './source/kafka-source.js';
import { wireSource } from './source/wire/wire-source.js';

const bed = kafkaTableTestBed();
const { kafka, table, topicWith } = bed;

describe('KafkaTable against a real broker', () => {
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

  it('waits for a topic it just created while a broker does not list it yet', async () => {
    // A broker whose metadata is behind answers "unknown topic" for a while after the topic was
    // created (another broker's controller, a busy cluster): here, the first three answers.
    const real = bed.cleanup.add(wireSource({ brokers: brokers(), logger: quiet }), (s) =>
      s.close(),
    );
    let unknown = 3;
    const lagging: KafkaSource = {
      offsets: (topic) =>
        unknown-- > 0 ? Promise.reject(new TopicNotFoundError(topic)) : real.offsets(topic),
      consume: (options) => real.consume(options),
      topicId: (topic) => real.topicId!(topic),
      close: async () => {},
    };
    const warnings: string[] = [];
    const t = table(uniqueTopic('lagging'), {
      source: lagging,
      logger: { warn: (message) => warnings.push(message), error: () => {} },
    });
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(unknown).toBe(-1);
    expect(warnings).toEqual([
      expect.stringMatching(/exists, but the broker does not list it yet/),
    ]);
  });

  it('creates a missing compacted topic when ensureTopic is on', async () => {
    const topic = uniqueTopic('created');
    const t = table(topic, { numPartitions: 3 });
    await t.start();
    const admin = await connectAdmin(kafka(), bed.cleanup);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);
    expect(t.position).toEqual([0, 0, 0]);
  });
});
