import { ApiKey } from './api-versions.js';
import type { ApiRequest } from './connection.js';
import { ZERO_UUID } from './decoder.js';

export interface PartitionLeader {
  readonly partition: number;
  readonly error: number;
  /** Node id of the leader; -1 while there is none. */
  readonly leader: number;
  readonly leaderEpoch: number;
}

export interface TopicMetadata {
  readonly brokers: ReadonlyMap<number, { readonly host: string; readonly port: number }>;
  readonly error: number;
  /** Undefined before Metadata v10 (Kafka 2.8), or when the broker has no id for it. */
  readonly topicId: string | undefined;
  /** Sorted by partition. */
  readonly partitions: readonly PartitionLeader[];
}

/**
 * Metadata v9-v12 for one topic, asked by name, never creating it. v9 is the first flexible
 * version (Kafka 2.4); v10 (Kafka 2.8) adds topic ids, which tell a recreated topic apart.
 */
export function metadataRequest(version: number, topic: string): ApiRequest<TopicMetadata> {
  return {
    apiKey: ApiKey.Metadata,
    version,
    flexible: true,
    encode: (e) => {
      e.arrayLength(1, true);
      if (version >= 10) e.uuid(ZERO_UUID);
      e.string(topic, true).tags(true);
      e.int8(0); // allow_auto_topic_creation
      if (version <= 10) e.int8(0); // include_cluster_authorized_operations
      e.int8(0).tags(true); // include_topic_authorized_operations
    },
    decode: (d) => {
      d.int32(); // throttle time
      const brokers = new Map<number, { host: string; port: number }>();
      for (let i = d.arrayLength(true); i > 0; i--) {
        const node = d.int32();
        const host = d.string(true) ?? '';
        const port = d.int32();
        d.string(true); // rack
        d.tags(true);
        brokers.set(node, { host, port });
      }
      d.string(true); // cluster id
      d.int32(); // controller id
      let error = 3; // UNKNOWN_TOPIC_OR_PARTITION unless the topic is in the answer
      let topicId: string | undefined;
      const partitions: PartitionLeader[] = [];
      for (let t = d.arrayLength(true); t > 0; t--) {
        const topicError = d.int16();
        const name = d.string(true);
        const id = version >= 10 ? d.uuid() : undefined;
        d.int8(); // is_internal
        const mine = name === topic;
        if (mine) {
          error = topicError;
          topicId = id === ZERO_UUID ? undefined : id;
        }
        for (let p = d.arrayLength(true); p > 0; p--) {
          const partitionError = d.int16();
          const partition = d.int32();
          const leader = d.int32();
          const leaderEpoch = d.int32();
          for (let n = 0; n < 3; n++) d.bytes(4 * Math.max(0, d.arrayLength(true))); // replicas, isr, offline
          d.tags(true);
          if (mine) partitions.push({ partition, error: partitionError, leader, leaderEpoch });
        }
        d.int32(); // topic authorized operations
        d.tags(true);
      }
      partitions.sort((a, b) => a.partition - b.partition);
      return { brokers, error, topicId, partitions };
    },
  };
}
