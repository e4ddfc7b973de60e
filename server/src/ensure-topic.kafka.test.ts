import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cleanup, connectAdmin, createTopic, testKafka } from '../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { ensureTopic } from './ensure-topic.js';
import { TopicPolicyError } from './errors.js';
import { ConfigResourceTypes } from './kafkajs.js';

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

async function configsOf(topic: string): Promise<Record<string, string>> {
  const admin = await connectAdmin(testKafka(brokers()), cleanup);
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
  });
  return Object.fromEntries(
    (described.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]),
  );
}

async function deletePolicyTopic(): Promise<string> {
  const topic = uniqueTopic('policy');
  const admin = await connectAdmin(testKafka(brokers()), cleanup);
  await createTopic(admin, topic, 2, { 'cleanup.policy': 'delete', 'retention.ms': '86400123' });
  return topic;
}

describe('ensureTopic', () => {
  it('creates a missing topic as compacted, with the given partitions and configs', async () => {
    const topic = uniqueTopic('ensure');
    const result = await ensureTopic({
      brokers: brokers(),
      topic,
      numPartitions: 3,
      topicConfigs: { 'min.cleanable.dirty.ratio': '0.2' },
    });
    expect(result).toEqual({ topic, action: 'created', cleanupPolicy: 'compact' });
    const configs = await configsOf(topic);
    expect(configs['cleanup.policy']).toBe('compact');
    expect(configs['min.cleanable.dirty.ratio']).toBe('0.2');
  });

  it('is idempotent: a second call finds the topic as it is', async () => {
    const topic = uniqueTopic('ensure');
    await ensureTopic({ brokers: brokers(), topic });
    const again = await ensureTopic({ brokers: brokers(), topic });
    expect(again).toEqual({ topic, action: 'exists', cleanupPolicy: 'compact' });
  });

  it("warns about a delete-policy topic by default and leaves it alone ('warn')", async () => {
    const topic = await deletePolicyTopic();
    const warnings: string[] = [];
    const result = await ensureTopic({
      brokers: brokers(),
      topic,
      logger: { warn: (m) => warnings.push(m), error: () => {} },
    });
    expect(result.action).toBe('mismatch');
    expect(warnings.join()).toMatch(/cleanup\.policy=delete/);
    expect((await configsOf(topic))['cleanup.policy']).toBe('delete');
  });

  it("throws a TopicPolicyError for a delete-policy topic ('raise')", async () => {
    const topic = await deletePolicyTopic();
    const error = await ensureTopic({ brokers: brokers(), topic, onPolicyMismatch: 'raise' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TopicPolicyError);
    expect(error).toMatchObject({ code: 'TOPIC_POLICY_MISMATCH', topic, cleanupPolicy: 'delete' });
  });

  it("sets compact on a delete-policy topic and keeps its other overrides ('reconcile')", async () => {
    const topic = await deletePolicyTopic();
    const result = await ensureTopic({
      brokers: brokers(),
      topic,
      onPolicyMismatch: 'reconcile',
      logger: { warn: () => {}, error: () => {} },
    });
    expect(result).toEqual({ topic, action: 'reconciled', cleanupPolicy: 'compact' });
    const configs = await configsOf(topic);
    expect(configs['cleanup.policy']).toBe('compact');
    expect(configs['retention.ms']).toBe('86400123');
  });

  it('rejects bad options before connecting', async () => {
    await expect(ensureTopic({ brokers: brokers(), topic: 'bad topic' })).rejects.toThrow(
      TypeError,
    );
    await expect(ensureTopic({ topic: 'ok' })).rejects.toThrow(/brokers/);
    await expect(
      ensureTopic({ brokers: brokers(), topic: 'ok', numPartitions: 0 }),
    ).rejects.toThrow(RangeError);
  });
});
