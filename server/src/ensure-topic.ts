import { setTimeout as sleep } from 'node:timers/promises';
import { consoleLogger, type Logger } from './environment.js';
import { TopicPolicyError } from './errors.js';
import { isUnknownTopicError, leaseKafka } from './kafka-client.js';
import {
  type KafkaConnectionOptions,
  validateConnection,
  validatePositiveInteger,
  validateTopicName,
} from './kafka-table-options.js';
import { type Admin, ConfigResourceTypes } from './kafkajs.js';
import { kafkaConnectionError } from './kafkajs-errors.js';
import type { PolicyMismatchMode } from './policy-mismatch-mode.js';
import { ENSURED_TOPIC_WAIT_MS } from './read-topic.js';

export type { PolicyMismatchMode } from './policy-mismatch-mode.js';

export interface EnsureTopicOptions extends KafkaConnectionOptions {
  readonly topic: string;
  /** Partitions if the topic is created. Default 1. */
  readonly numPartitions?: number;
  /** Replication factor if the topic is created. Default 1. */
  readonly replicationFactor?: number;
  /** Extra configs if the topic is created; `cleanup.policy` defaults to `compact`. */
  readonly topicConfigs?: Readonly<Record<string, string>>;
  /**
   * An existing topic whose cleanup.policy lacks `compact` loses keys to retention. 'warn' logs
   * and goes on, 'raise' throws TopicPolicyError, 'reconcile' adds `compact` and keeps the
   * topic's other explicit settings. Default 'warn'.
   */
  readonly onPolicyMismatch?: PolicyMismatchMode;
  readonly logger?: Logger;
}

export interface EnsureTopicResult {
  readonly topic: string;
  /** What was done: created it, found it fine, found it not compacted (warned), or fixed it. */
  readonly action: 'created' | 'exists' | 'mismatch' | 'reconciled';
  /** The cleanup.policy in force when ensureTopic returned. */
  readonly cleanupPolicy: string;
}

/** Creates a compacted topic if missing, and checks (or fixes) the policy of an existing one. */
export async function ensureTopic(options: EnsureTopicOptions): Promise<EnsureTopicResult> {
  validateTopicName(options.topic);
  validateConnection(options, true, 'ensureTopic');
  if (options.numPartitions !== undefined)
    validatePositiveInteger('numPartitions', options.numPartitions);
  if (options.replicationFactor !== undefined) {
    validatePositiveInteger('replicationFactor', options.replicationFactor);
  }
  const logger = options.logger ?? consoleLogger;
  const lease = leaseKafka(options, logger);
  const admin = lease.kafka.admin();
  try {
    await admin.connect();
    return await ensureWithAdmin(admin, options, logger);
  } catch (error) {
    throw kafkaConnectionError(error, options.brokers);
  } finally {
    await admin.disconnect();
  }
}

export async function ensureWithAdmin(
  admin: Admin,
  options: EnsureTopicOptions,
  logger: Logger,
): Promise<EnsureTopicResult> {
  const { topic } = options;
  const configs = { 'cleanup.policy': 'compact', ...options.topicConfigs };
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    let created: boolean;
    try {
      created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: options.numPartitions ?? 1,
            replicationFactor: options.replicationFactor ?? 1,
            configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
          },
        ],
      });
    } catch (error) {
      // kafkajs asks for the new topic's leaders right after creating it, and gives up at the
      // first "unknown topic" from a broker that has not applied the creation yet (a busy KRaft
      // broker lags its controller for a moment). The topic was created: wait until it shows.
      if (!isUnknownTopicError(error)) throw error;
      await existingTopicConfigs(admin, topic);
      created = true;
    }
    // false means another process created it between our two calls: check it like any other.
    if (created) return { topic, action: 'created', cleanupPolicy: configs['cleanup.policy'] };
  }

  const { overrides, policy } = await existingTopicConfigs(admin, topic);
  if (policy.split(',').includes('compact'))
    return { topic, action: 'exists', cleanupPolicy: policy };

  switch (options.onPolicyMismatch ?? 'warn') {
    case 'raise':
      throw new TopicPolicyError(topic, policy);
    case 'warn':
      logger.warn(new TopicPolicyError(topic, policy).message, { topic, cleanupPolicy: policy });
      return { topic, action: 'mismatch', cleanupPolicy: policy };
    case 'reconcile': {
      // AlterConfigs replaces a topic's whole set of overrides, so the ones already there are
      // sent again alongside the new policy; otherwise fixing the policy would reset them.
      overrides.set('cleanup.policy', 'compact');
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [...overrides].map(([name, value]) => ({ name, value })),
          },
        ],
      });
      logger.warn(`Topic "${topic}" had cleanup.policy=${policy}; set it to compact.`, { topic });
      return { topic, action: 'reconciled', cleanupPolicy: 'compact' };
    }
  }
}

/**
 * The configs of a topic known to exist: listed, or created by another process a moment ago
 * (ours found it there). The broker that describes it may not have applied its creation yet and
 * answer "unknown topic" meanwhile, so that answer is asked again with backoff for up to
 * ENSURED_TOPIC_WAIT_MS.
 */
async function existingTopicConfigs(
  admin: Admin,
  topic: string,
): Promise<{ overrides: Map<string, string>; policy: string }> {
  const deadline = performance.now() + ENSURED_TOPIC_WAIT_MS;
  for (let pause = 100; ; pause = Math.min(1_000, pause * 2)) {
    try {
      return await topicConfigs(admin, topic);
    } catch (error) {
      if (!isUnknownTopicError(error) || performance.now() + pause > deadline) throw error;
      await sleep(pause);
    }
  }
}

/** The effective cleanup policy, and the configs set on the topic itself (not inherited). */
async function topicConfigs(
  admin: Admin,
  topic: string,
): Promise<{ overrides: Map<string, string>; policy: string }> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
  });
  const overrides = new Map<string, string>();
  let policy = 'delete';
  for (const entry of described.resources[0]?.configEntries ?? []) {
    if (entry.configName === 'cleanup.policy' && entry.configValue) policy = entry.configValue;
    // configSource 1 is DYNAMIC_TOPIC_CONFIG: a value set on this topic.
    if (entry.configSource === 1 && entry.configValue !== null) {
      overrides.set(entry.configName, entry.configValue);
    }
  }
  return { overrides, policy };
}
