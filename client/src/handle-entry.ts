import type { KeyFilter } from '../../shared/src/protocol/messages.js';
import type { Backoff } from './backoff.js';
import type { TableStore } from './table-store.js';

/**
 * The client's record of one shared handle (a name and filter). Each part of the client owns
 * its own fields: the subscriptions the `sub` and retry fields, the cache sync the cache ones.
 */
export interface HandleEntry {
  /** The cache key: name and normalised filter, under which handles are shared. */
  readonly id: string;
  readonly table: string;
  readonly filter: KeyFilter | undefined;
  /** The filter's predicate (undefined: every key), to check the keys the bridge sends. */
  readonly admits: ((key: string) => boolean) | undefined;
  readonly store: TableStore<unknown>;
  /** Retries of this subscription alone (resync, bridge unsubscribe, overload). */
  readonly retry: Backoff;
  refs: number;
  /** The subscription id on the current socket; undefined while not subscribed. */
  sub: string | undefined;
  retryTimer: unknown;
  /** Set when a snapshot is applied: starts its retry backoff over after `healthyAfterMs`. */
  healthyTimer: unknown;
  /** A subscribe was sent once: a cache load that lands later is too late to use. */
  subscribedOnce: boolean;
  /** An asynchronous cache load is pending: the first subscribe waits (at most a bound). */
  cacheWait: boolean;
  cacheWaitTimer: unknown;
  /** A first snapshot is being loaded (see FirstSnapshots): the first subscribe waits for it. */
  firstLoad: AbortController | undefined;
  /** Applied changes not saved to the cache yet, and the timer that will save them. */
  dirty: boolean;
  saveTimer: unknown;
}
