import { StreamTable, type StreamTableOptions } from '../server/src/stream/stream-table.js';
import { codecs } from '../shared/src/codecs/index.js';
import { type Cleanup, testKafka } from './fixtures.js';
import { brokers } from './kafka.js';

/** The two read paths every stream test runs through: tablecast's own, and kafkajs. */
export const SOURCES = ['wire', 'kafkajs'] as const;
export type Via = (typeof SOURCES)[number];

const quiet = { warn: () => {}, error: () => {} };

/**
 * A started stream table of UTF-8 values over `topic` through `via`, from the earliest offset,
 * with room for every record a test writes; stopped by `cleanup`.
 */
export async function openStream(
  cleanup: Cleanup,
  topic: string,
  via: Via,
  options: Partial<StreamTableOptions<string>> = {},
): Promise<StreamTable<string>> {
  const connection = via === 'kafkajs' ? { kafka: testKafka(brokers()) } : { brokers: brokers() };
  const table = cleanup.add(
    new StreamTable({
      ...connection,
      topic,
      valueCodec: codecs.utf8(),
      start: 'earliest',
      limit: 10_000,
      catchupTimeoutMs: 20_000,
      logger: quiet,
      ...options,
    }),
    (t) => t.stop(),
  );
  await table.start();
  return table;
}
