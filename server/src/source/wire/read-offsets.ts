import { TopicNotFoundError } from '../../errors.js';
import type { PartitionOffsets } from '../kafka-source.js';
import type { Cluster } from './cluster.js';
import { BrokerErrorResponse, ErrorCode, fatalError, isFatal } from './error-codes.js';
import { EARLIEST, LATEST, type ListedOffset, listOffsetsRequest } from './list-offsets.js';
import type { PartitionLeader } from './metadata.js';

/**
 * One attempt at the earliest and last stable offsets of every partition of `topic`. Throws
 * TopicNotFoundError, a fatal TablecastError, or a transient error to retry after.
 */
export async function readOffsets(cluster: Cluster, topic: string): Promise<PartitionOffsets[]> {
  const { partitions, listed } = await listOffsets(cluster, topic, [EARLIEST, LATEST]);
  const [earliest, end] = listed as [Map<number, number>, Map<number, number>];
  return partitions.map((partition) => ({
    partition,
    earliest: earliest.get(partition) ?? 0,
    end: end.get(partition) ?? 0,
  }));
}

/**
 * One attempt at the first offset of every partition whose record time is at or after
 * `timestamp`; a partition with no such record answers its last stable offset.
 */
export async function readOffsetsForTime(
  cluster: Cluster,
  topic: string,
  timestamp: number,
): Promise<Array<{ partition: number; offset: number }>> {
  const { partitions, listed } = await listOffsets(cluster, topic, [timestamp, LATEST]);
  const [byTime, end] = listed as [Map<number, number>, Map<number, number>];
  return partitions.map((partition) => {
    const offset = byTime.get(partition) ?? -1;
    return { partition, offset: offset >= 0 ? offset : (end.get(partition) ?? 0) };
  });
}

/** Asks each leader once per timestamp: a ListOffsets request may not name a partition twice. */
async function listOffsets(
  cluster: Cluster,
  topic: string,
  timestamps: readonly number[],
): Promise<{ partitions: number[]; listed: Array<Map<number, number>> }> {
  const metadata = await cluster.metadata(topic);
  if (metadata.error === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new TopicNotFoundError(topic);
  checkError(metadata.error, `Metadata of topic "${topic}"`);
  const byLeader = new Map<number, PartitionLeader[]>();
  for (const p of metadata.partitions) {
    checkError(leaderError(p), `Partition ${p.partition} of "${topic}"`);
    byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p]);
  }
  const answers = await Promise.all(
    [...byLeader].map(async ([node, partitions]) => {
      const broker = await cluster.connectNode(node, 'admin');
      const v = broker.listOffsetsVersion;
      return Promise.all(
        timestamps.map((t) => broker.connection.send(listOffsetsRequest(v, topic, partitions, t))),
      );
    }),
  );
  const listed = timestamps.map(() => new Map<number, number>());
  for (const perLeader of answers) {
    for (let i = 0; i < perLeader.length; i++) collect(perLeader[i]!, listed[i]!, topic);
  }
  return { partitions: metadata.partitions.map((p) => p.partition), listed };
}

function collect(listed: ListedOffset[], into: Map<number, number>, topic: string): void {
  for (const { partition, error, offset } of listed) {
    checkError(error, `Offsets of partition ${partition} of "${topic}"`);
    into.set(partition, offset);
  }
}

function checkError(code: number, what: string): void {
  if (code === ErrorCode.NONE) return;
  if (isFatal(code)) throw fatalError(code, what);
  throw new BrokerErrorResponse(code, what);
}

/**
 * A partition's metadata error as a reader sees it: no leader is an error even when the broker
 * says none, and REPLICA_NOT_AVAILABLE (a follower is down) is no error, the leader serves.
 */
export function leaderError(p: PartitionLeader): number {
  if (p.leader < 0) return p.error === ErrorCode.NONE ? ErrorCode.LEADER_NOT_AVAILABLE : p.error;
  return p.error === ErrorCode.REPLICA_NOT_AVAILABLE ? ErrorCode.NONE : p.error;
}
