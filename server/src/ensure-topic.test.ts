import { describe, expect, it } from 'vitest';
import { ensureWithAdmin } from './ensure-topic.js';
import type { Admin } from './kafkajs.js';

const quiet = { warn: () => {}, error: () => {} };
/** What kafkajs throws for UNKNOWN_TOPIC_OR_PARTITION. */
const unknownTopic = () =>
  Object.assign(new Error('This server does not host this topic-partition'), {
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
  });

/** An admin for which another process creates the topic first, and a broker that lags. */
function racingAdmin(unknownAnswers: number) {
  let described = 0;
  const admin = {
    listTopics: async () => [],
    createTopics: async () => false,
    describeConfigs: async () => {
      described++;
      if (described <= unknownAnswers) throw unknownTopic();
      return {
        resources: [
          {
            configEntries: [
              { configName: 'cleanup.policy', configValue: 'compact', configSource: 1 },
            ],
          },
        ],
      };
    },
  };
  return { admin: admin as unknown as Admin, described: () => described };
}

describe('ensureWithAdmin', () => {
  it('asks again when the topic another process just created is still unknown to the broker', async () => {
    const { admin, described } = racingAdmin(2);
    const result = await ensureWithAdmin(admin, { topic: 't' }, quiet);
    expect(result).toEqual({ topic: 't', action: 'exists', cleanupPolicy: 'compact' });
    expect(described()).toBe(3);
  });

  it('waits for a topic it created when the broker does not know it yet while kafkajs waits for its leaders', async () => {
    let described = 0;
    const admin = {
      listTopics: async () => [],
      // What kafkajs's createTopics throws when the metadata it asks for right after creating
      // the topic says "unknown topic".
      createTopics: async () => {
        throw unknownTopic();
      },
      describeConfigs: async () => {
        described++;
        if (described === 1) throw unknownTopic();
        return {
          resources: [
            { configEntries: [{ configName: 'cleanup.policy', configValue: 'compact' }] },
          ],
        };
      },
    } as unknown as Admin;
    const result = await ensureWithAdmin(admin, { topic: 't' }, quiet);
    expect(result).toEqual({ topic: 't', action: 'created', cleanupPolicy: 'compact' });
    expect(described).toBe(2);
  });

  it('passes on any other error from creating the topic at once', async () => {
    const admin = {
      listTopics: async () => [],
      createTopics: async () => {
        throw new Error('not authorized');
      },
    } as unknown as Admin;
    await expect(ensureWithAdmin(admin, { topic: 't' }, quiet)).rejects.toThrow('not authorized');
  });

  it('passes on any other error at once', async () => {
    const admin = {
      listTopics: async () => ['t'],
      describeConfigs: async () => {
        throw new Error('not authorized');
      },
    } as unknown as Admin;
    await expect(ensureWithAdmin(admin, { topic: 't' }, quiet)).rejects.toThrow('not authorized');
  });
});
