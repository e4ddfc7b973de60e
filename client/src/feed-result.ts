import { positionCovers } from '../../shared/src/protocol/index.js';
import type { Position } from '../../shared/src/protocol/messages.js';

/** What the store did with a protocol message: `resync` means its sequence broke (resubscribe). */
export type FeedResult = 'applied' | 'ignored' | 'resync';

/**
 * Whether data at `next` may replace a map at `current` (I5): a position behind ours is
 * `ignored` (a lagging bridge: its later messages apply once they pass us), one in another
 * topic is `resync` unless `acrossTopics` (a recreated topic only arrives as a reset snapshot).
 */
export function positionVerdict(
  current: Position | undefined,
  next: Position,
  acrossTopics: boolean,
): FeedResult {
  if (current === undefined) return 'applied';
  if (current.topicId !== next.topicId) return acrossTopics ? 'applied' : 'resync';
  return positionCovers(next, current) ? 'applied' : 'ignored';
}
