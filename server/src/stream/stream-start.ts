import { TablecastError } from '../errors.js';
import type { KafkaSource, PartitionOffsets } from '../source/kafka-source.js';

/**
 * Where a stream table starts reading each partition:
 * - `'earliest'`: the whole log still on the broker;
 * - `'latest'`: only records written after start (caught up at once);
 * - `{ timestamp }`: the first record at or after that time (ms since the epoch);
 * - `{ lastPerPartition: n }`: the last n records of each partition.
 */
export type StreamStart =
  | 'earliest'
  | 'latest'
  | { readonly timestamp: number }
  | { readonly lastPerPartition: number };

/** The offset each partition starts at under `start`. */
export async function streamStartOffsets(
  start: StreamStart,
  offsets: readonly PartitionOffsets[],
  source: KafkaSource,
  topic: string,
): Promise<Map<number, number>> {
  // Every record is at or after a time before the epoch. Such a time must not reach ListOffsets,
  // where -1, -2, -3... are not times but LATEST, EARLIEST, MAX_TIMESTAMP and so on.
  if (
    start === 'earliest' ||
    (typeof start === 'object' && 'timestamp' in start && start.timestamp < 0)
  ) {
    return new Map(offsets.map((o) => [o.partition, o.earliest]));
  }
  if (start === 'latest') return new Map(offsets.map((o) => [o.partition, o.end]));
  if ('lastPerPartition' in start) {
    const n = start.lastPerPartition;
    return new Map(offsets.map((o) => [o.partition, Math.max(o.earliest, o.end - n)]));
  }
  if (source.offsetsForTime === undefined) {
    throw new TablecastError(
      'KAFKA_ERROR',
      `Stream table "${topic}" starts at a timestamp, but its Kafka source cannot look offsets up by time; use the default source or another start.`,
    );
  }
  const found = new Map(
    (await source.offsetsForTime(topic, start.timestamp)).map((o) => [o.partition, o.offset]),
  );
  // Clamped to the range read at start: the gate opens at the end offsets seen then.
  return new Map(
    offsets.map((o) => [
      o.partition,
      Math.min(o.end, Math.max(o.earliest, found.get(o.partition) ?? o.end)),
    ]),
  );
}

/** Rejects a malformed start policy at construction. */
export function validateStreamStart(start: unknown): asserts start is StreamStart {
  if (start === 'earliest' || start === 'latest') return;
  if (typeof start === 'object' && start !== null) {
    const keys = Object.keys(start);
    const s = start as Record<string, unknown>;
    if (keys.length === 1 && keys[0] === 'timestamp' && Number.isSafeInteger(s.timestamp)) return;
    if (
      keys.length === 1 &&
      keys[0] === 'lastPerPartition' &&
      Number.isSafeInteger(s.lastPerPartition) &&
      (s.lastPerPartition as number) >= 0
    ) {
      return;
    }
  }
  throw new TypeError(
    `start must be 'earliest', 'latest', { timestamp: ms } or { lastPerPartition: n }, got ${JSON.stringify(start)}.`,
  );
}
