import { randomUUID } from 'node:crypto';

/**
 * The identity of an aggregate table's positions, for `TableKind.identity`.
 *
 * A group or window can be changed by records of several partitions, and a table keeps one
 * (partition, offset) per key: the last record that changed it. Within one run that is exact
 * for resume, because a client's position is a moment of this table's own apply order. Another
 * run (a restarted bridge, another replica) reads the partitions in another order, so a key
 * changed after a client's position may carry an older record of another partition, and a resume
 * would miss it. So over several partitions each table instance has an identity of its own and a
 * client from another run resets; over one partition the order is the log's and resume holds.
 */
export function aggregateIdentity(): (topicId: string, partitions: number) => string {
  const run = randomUUID().slice(0, 8);
  return (topicId, partitions) => (partitions > 1 ? `${topicId}~${run}` : topicId);
}
