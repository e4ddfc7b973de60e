import { TopicNotFoundError } from '../../errors.js';
import type { PartitionOffsets } from '../kafka-source.js';
import type { Cluster } from './cluster.js';
import { BrokerErrorResponse, ErrorCode, fatalError, isFatal } from './error-codes.js';
import { EARLIEST, LATEST, type ListedOffset, listOffsetsRequest } from './list-offsets.js';
import type { PartitionLeader } from './metadata.js';

/**
 * One attempt at the earliest and last stable offsets of every partition of `topic`, asking
 * each leader once per kind (a ListOffsets request may not name a partition twice). Throws
 * TopicNotFoundError, a fatal TablecastError, or a transient error to retry after.
 */
export async function readOffsets(cluster: Cluster, topic: string): Promise<PartitionOffsets[]> {
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
      return Promise.all([
        broker.connection.send(listOffsetsRequest(v, topic, partitions, EARLIEST)),
        broker.connection.send(listOffsetsRequest(v, topic, partitions, LATEST)),
      ]);
    }),
  );
  const earliest = new Map<number, number>();
  const end = new Map<number, number>();
  for (const [first, last] of answers) {
    collect(first, earliest, topic);
    collect(last, end, topic);
  }
  return metadata.partitions.map(({ partition }) => ({
    partition,
    earliest: earliest.get(partition) ?? 0,
    end: end.get(partition) ?? 0,
  }));
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
