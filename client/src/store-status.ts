import type { TableStatus } from '../../shared/src/protocol/messages.js';
import type { TableHandleStatus } from './table-handle.js';

/** Where a table's subscription is: messages only count in the phase they belong to (I6). */
export type SubscriptionPhase = 'idle' | 'awaiting-snapshot' | 'snapshotting' | 'live';

/**
 * A table's status and why, from everything a table store knows about its subscription, so
 * that `caught_up` means one thing (I4):
 * - `failure`: the client ended the subscription (refused, revoked, shut down);
 * - `bridgeStatus`, `bridgeReason`: the bridge's word on the table;
 * - `disconnected`: the socket went away;
 * - `paused`: why the client stopped the subscription on purpose (page hidden);
 * - `vouched`: the map was hydrated from a bootstrap taken while the bridge was caught up. That
 *   data is what the bridge had when caught up, so `caught_up` holds until the first
 *   snapshot-end replaces this word with the bridge's own (a cache never vouches: cached data
 *   proves nothing);
 * - `snapshotApplied`: a snapshot was applied on this subscription (live, or being re-sent one).
 *
 * Positional, not an object: the facts stay private fields of the store, and the bundle carries
 * no property names for them.
 */
export function storeStatus(
  failure: string | undefined,
  bridgeStatus: TableStatus,
  bridgeReason: string | undefined,
  disconnected: boolean,
  paused: string | undefined,
  vouched: boolean,
  snapshotApplied: boolean,
): [TableHandleStatus, string | undefined] {
  if (failure !== undefined) return ['failed', failure];
  if (bridgeStatus === 'failed') {
    return ['failed', bridgeReason ?? 'the table failed on the bridge'];
  }
  if (disconnected) return ['degraded', 'connection lost'];
  if (paused !== undefined) return ['degraded', paused];
  if (bridgeStatus === 'degraded') {
    return ['degraded', bridgeReason ?? 'the table is degraded on the bridge'];
  }
  if (vouched) return ['caught_up', undefined];
  // I4: caught up only with the snapshot applied on this subscription AND the bridge caught up.
  if (snapshotApplied && bridgeStatus === 'caught_up') return ['caught_up', undefined];
  return ['loading', undefined];
}
