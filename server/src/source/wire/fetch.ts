import { ApiKey } from './api-versions.js';
import type { ApiRequest } from './connection.js';
import type { AbortedTransaction } from './record-batch.js';

export interface FetchPartition {
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
}

export interface FetchLimits {
  readonly maxWaitMs: number;
  /** For the whole response; the broker still returns a first batch larger than this (KIP-74). */
  readonly maxBytes: number;
  readonly partitionMaxBytes: number;
}

export interface FetchedPartition {
  readonly partition: number;
  readonly error: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  readonly aborted: AbortedTransaction[] | null;
  readonly records: Buffer | null;
}

export interface FetchResponse {
  readonly error: number;
  readonly partitions: FetchedPartition[];
}

/**
 * Fetch v11-v13 at isolation level read_committed, one topic, no fetch session (every request
 * is a full fetch, so there is no session state to lose on a reconnect). v12 is the first
 * flexible version (Kafka 2.7); v13 (Kafka 3.1) names the topic by id.
 */
export function fetchRequest(
  version: number,
  topic: { readonly name: string; readonly id: string | undefined },
  partitions: readonly FetchPartition[],
  limits: FetchLimits,
): ApiRequest<FetchResponse> {
  const flexible = version >= 12;
  const byId = version >= 13;
  return {
    apiKey: ApiKey.Fetch,
    version,
    flexible,
    encode: (e) => {
      e.int32(-1).int32(limits.maxWaitMs).int32(1).int32(limits.maxBytes);
      e.int8(1).int32(0).int32(-1); // read_committed; no session id, no session epoch
      e.arrayLength(1, flexible);
      if (byId) e.uuid(topic.id!);
      else e.string(topic.name, flexible);
      e.arrayLength(partitions.length, flexible);
      for (const p of partitions) {
        e.int32(p.partition).int32(p.leaderEpoch).int64(p.offset);
        if (flexible) e.int32(-1); // last fetched epoch: only followers use it
        e.int64(-1).int32(limits.partitionMaxBytes).tags(flexible);
      }
      e.tags(flexible);
      e.arrayLength(0, flexible); // forgotten topics
      e.string('', flexible).tags(flexible); // rack id
    },
    decode: (d) => {
      d.int32(); // throttle time
      const error = d.int16();
      d.int32(); // session id
      const fetched: FetchedPartition[] = [];
      for (let t = d.arrayLength(flexible); t > 0; t--) {
        if (byId) d.uuid();
        else d.string(flexible);
        for (let p = d.arrayLength(flexible); p > 0; p--) {
          const partition = d.int32();
          const partitionError = d.int16();
          const highWatermark = d.int64();
          const lastStableOffset = d.int64();
          const logStartOffset = d.int64();
          let aborted: AbortedTransaction[] | null = null;
          const abortedCount = d.arrayLength(flexible);
          if (abortedCount >= 0) {
            aborted = [];
            for (let a = 0; a < abortedCount; a++) {
              aborted.push({ producerId: d.int64(), firstOffset: d.int64() });
              d.tags(flexible);
            }
          }
          d.int32(); // preferred read replica
          const records = d.nullableBytes(flexible);
          d.tags(flexible);
          fetched.push({
            partition,
            error: partitionError,
            highWatermark,
            lastStableOffset,
            logStartOffset,
            aborted,
            records,
          });
        }
        d.tags(flexible);
      }
      d.tags(flexible);
      return { error, partitions: fetched };
    },
  };
}
