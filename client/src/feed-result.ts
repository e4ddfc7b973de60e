import { positionCovers } from '../../shared/src/protocol/index.js';
import type { Position } from '../../shared/src/protocol/messages.js';

/**
 * What the store did with a protocol message: `resync` means its sequence broke, `repeated` that
 * it named a key its snapshot had named already (I11); either way, resubscribe.
 */
export type FeedResult = 'applied' | 'ignored' | 'resync' | 'repeated';

/**
 * Whether data at `next` may replace a map at `current` (I5): a position behind ours is
 * `ignored` (a lagging bridge: its later messages apply once they pass us), one in another
 * topic is `resync` unless `acrossTopics` (a recreated topic only arrives as a reset snapshot).
 * One ahead in a partition and behind in another is `resync`: applied, it would move a partition
 * back; ignored, its changes ahead would be lost while the table says it is caught up.
 */
export function positionVerdict(
  current: Position | undefined,
  next: Position,
  acrossTopics: boolean,
): FeedResult {
  if (current === undefined) return 'applied';
  if (current.topicId !== next.topicId) return acrossTopics ? 'applied' : 'resync';
  if (positionCovers(next, current)) return 'applied';
  return positionCovers(current, next) ? 'ignored' : 'resync';
}
