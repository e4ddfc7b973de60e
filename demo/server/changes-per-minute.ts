import {
  ensureTopic,
  type KafkaTable,
  type Logger,
  type WindowRow,
  windowedTable,
} from '../../server/src/index.js';
import type { Service } from '../data.js';

/** How many minutes the bridge keeps (the page shows the last 15). */
const RETAIN_MINUTES = 60;

/**
 * Registry writes per minute by status, computed in the bridge: the services topic read as a
 * stream, one-minute tumbling windows on record time. The registry table creates the topic;
 * a windowed table reads any topic and creates none, so this makes sure it is there first.
 * The topic is compacted, so once the cleaner has run, a restarted bridge counts only the writes
 * compaction kept in older minutes; an event topic (cleanup.policy=delete) keeps them all.
 */
export async function changesPerMinute(options: {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly logger?: Logger;
}): Promise<KafkaTable<WindowRow>> {
  const { brokers, topic, logger } = options;
  await ensureTopic({ brokers, topic, numPartitions: 3, ...(logger ? { logger } : {}) });
  return windowedTable<Service>({
    brokers,
    topic,
    groupBy: (service) => service.status,
    window: { sizeMs: 60_000, retainMs: RETAIN_MINUTES * 60_000 },
    aggregates: { changes: 'count' },
    ...(logger ? { logger } : {}),
  });
}
