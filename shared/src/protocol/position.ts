import type { Position } from './messages.js';

/**
 * Whether `a` is at or past `b`: same topic, and at least as far in every partition of `b`.
 * A partition `a` does not list counts as offset 0, its beginning: a position taken before
 * partitions were added covers nothing in them beyond their start.
 */
export function positionCovers(a: Position, b: Position): boolean {
  if (a.topicId !== b.topicId) return false;
  const theirs = b.offsets;
  const ours = a.offsets;
  for (let i = 0; i < theirs.length; i++) {
    if ((ours[i] ?? 0) < (theirs[i] ?? 0)) return false;
  }
  return true;
}

/**
 * Whether `a` and `b` are the same point of the same topic. Missing partitions count as offset
 * 0, so `[5]` and `[5, 0]` are the same: a partition was added and nothing written to it yet.
 */
export function samePosition(a: Position, b: Position): boolean {
  return positionCovers(a, b) && positionCovers(b, a);
}

/**
 * A table's position as the protocol states it. When the topic ID is unknown (the Kafka client
 * did not report one) the topic name stands in, so a recreated topic is then caught only by a
 * position ahead of the log (docs/PROTOCOL.md §5).
 */
export function tablePosition(table: {
  readonly topic: string;
  readonly topicId: string | undefined;
  readonly position: readonly number[];
}): Position {
  return { topicId: table.topicId ?? table.topic, offsets: table.position };
}
