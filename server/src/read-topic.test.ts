import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { globalTimers } from '../../shared/src/timers.js';
import { TablecastError, TopicNotFoundError } from './errors.js';
import { readTopic } from './read-topic.js';
import type { KafkaSource, PartitionOffsets } from './source/kafka-source.js';

const OFFSETS: PartitionOffsets[] = [{ partition: 0, earliest: 0, end: 3 }];

/** A source that fails its first `failures` offsets calls with `error`. */
function source(failures: number, error: (topic: string) => Error) {
  let calls = 0;
  const s: KafkaSource = {
    offsets: async (topic) => {
      calls++;
      if (calls <= failures) throw error(topic);
      return OFFSETS;
    },
    topicId: async () => 'id-1',
    consume: () => Promise.reject(new Error('not used')),
    close: async () => {},
  };
  return { source: s, calls: () => calls };
}

const notFound = (topic: string) => new TopicNotFoundError(topic);

describe('readTopic', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const options = (waitMs: number, signal = new AbortController().signal) => {
    const warnings: string[] = [];
    return {
      warnings,
      options: {
        timers: globalTimers,
        logger: { warn: (m: string) => warnings.push(m), error: () => {} },
        signal,
        waitMs,
      },
    };
  };

  it('retries "unknown topic" for a topic just ensured, with one warning, until it is listed', async () => {
    const { source: s, calls } = source(4, notFound);
    const { options: o, warnings } = options(15_000);
    const read = readTopic(s, 't', o);
    await vi.runAllTimersAsync();
    await expect(read).resolves.toEqual([OFFSETS, 'id-1']);
    expect(calls()).toBe(5);
    expect(warnings).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up with the TopicNotFoundError once waitMs has passed', async () => {
    const { source: s, calls } = source(Number.POSITIVE_INFINITY, notFound);
    const { options: o } = options(3_000);
    const read = readTopic(s, 't', o);
    const settled = read.catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    const error = await settled;
    expect(error).toBeInstanceOf(TopicNotFoundError);
    // 100 + 200 + 400 + 800 + 1000 + 500 ms of backoff, then one last try.
    expect(calls()).toBe(7);
  });

  it('does not retry other errors, nor "unknown topic" when waitMs is 0', async () => {
    const fatal = source(1, () => new TablecastError('KAFKA_AUTH_FAILED', 'bad password'));
    await expect(readTopic(fatal.source, 't', options(15_000).options)).rejects.toMatchObject({
      code: 'KAFKA_AUTH_FAILED',
    });
    expect(fatal.calls()).toBe(1);
    const missing = source(1, notFound);
    await expect(readTopic(missing.source, 't', options(0).options)).rejects.toBeInstanceOf(
      TopicNotFoundError,
    );
    expect(missing.calls()).toBe(1);
  });

  it('ends its wait at once when the table stops, leaving no timer behind', async () => {
    const { source: s } = source(Number.POSITIVE_INFINITY, notFound);
    const stopping = new AbortController();
    const { options: o } = options(15_000, stopping.signal);
    const read = readTopic(s, 't', o);
    const settled = read.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(350);
    expect(vi.getTimerCount()).toBe(1);
    stopping.abort(new Error('stopped'));
    expect(await settled).toMatchObject({ message: 'stopped' });
    expect(vi.getTimerCount()).toBe(0);
  });
});
