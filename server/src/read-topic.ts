import type { Logger, Timers } from './environment.js';
import { TopicNotFoundError } from './errors.js';
import type { KafkaSource, PartitionOffsets } from './source/kafka-source.js';

/** How long a topic the table has just ensured may stay missing from a broker's metadata. */
export const ENSURED_TOPIC_WAIT_MS = 15_000;

export interface ReadTopicOptions {
  readonly timers: Timers;
  readonly logger: Logger;
  /** Aborted when the table stops: a wait ends at once and rejects with the reason. */
  readonly signal: AbortSignal;
  /** How long "unknown topic" is retried: ENSURED_TOPIC_WAIT_MS for a topic just ensured, else 0. */
  readonly waitMs: number;
}

/**
 * The offsets and id of a table's topic. For a topic the table has just ensured (created it, or
 * found it created by someone else a moment ago), a broker may not list it yet: another broker's
 * metadata is behind, or the cluster is busy, and it answers "unknown topic" meanwhile. A source
 * gives up on that answer after a few tries, which suits a topic that is really missing; one
 * known to exist is retried with backoff for up to `waitMs`, then fails as before.
 */
export async function readTopic(
  source: KafkaSource,
  topic: string,
  options: ReadTopicOptions,
): Promise<[PartitionOffsets[], string | undefined]> {
  const { timers, logger, signal, waitMs } = options;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await Promise.all([source.offsets(topic), source.topicId?.(topic)]);
    } catch (error) {
      if (!(error instanceof TopicNotFoundError) || waited >= waitMs) throw error;
      if (attempt === 1) {
        logger.warn(
          `Topic "${topic}" exists, but the broker does not list it yet; waiting up to ${waitMs} ms for it.`,
          { topic },
        );
      }
      const pause = Math.min(1_000, 100 * 2 ** (attempt - 1), waitMs - waited);
      await sleep(timers, pause, signal);
      waited += pause;
    }
  }
}

function sleep(timers: Timers, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const done = () => {
      timers.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = timers.setTimeout(() => {
      signal.removeEventListener('abort', done);
      resolve();
    }, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
