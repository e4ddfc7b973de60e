import { ApiKey } from './api-versions.js';
import type { ApiRequest } from './connection.js';

export const EARLIEST = -2;
export const LATEST = -1;

export interface ListedOffset {
  readonly partition: number;
  readonly error: number;
  readonly offset: number;
}

/**
 * ListOffsets v2-v7 at isolation level read_committed: LATEST then answers the last stable
 * offset, the end of what a read_committed fetch can reach, so an open transaction at start
 * does not hold the catch-up gate. Flexible from v6.
 */
export function listOffsetsRequest(
  version: number,
  topic: string,
  partitions: ReadonlyArray<{ readonly partition: number; readonly leaderEpoch: number }>,
  /** EARLIEST, LATEST, or a time: the first offset whose record time is at or after it. */
  timestamp: number,
): ApiRequest<ListedOffset[]> {
  const flexible = version >= 6;
  return {
    apiKey: ApiKey.ListOffsets,
    version,
    flexible,
    encode: (e) => {
      e.int32(-1).int8(1); // replica id: a consumer; isolation level: read_committed
      e.arrayLength(1, flexible).string(topic, flexible);
      e.arrayLength(partitions.length, flexible);
      for (const { partition, leaderEpoch } of partitions) {
        e.int32(partition);
        if (version >= 4) e.int32(leaderEpoch);
        e.int64(timestamp).tags(flexible);
      }
      e.tags(flexible).tags(flexible);
    },
    decode: (d) => {
      d.int32(); // throttle time
      const listed: ListedOffset[] = [];
      for (let t = d.arrayLength(flexible); t > 0; t--) {
        d.string(flexible);
        for (let p = d.arrayLength(flexible); p > 0; p--) {
          const partition = d.int32();
          const error = d.int16();
          d.int64(); // timestamp
          const offset = d.int64();
          if (version >= 4) d.int32(); // leader epoch
          d.tags(flexible);
          listed.push({ partition, error, offset });
        }
        d.tags(flexible);
      }
      d.tags(flexible);
      return listed;
    },
  };
}
