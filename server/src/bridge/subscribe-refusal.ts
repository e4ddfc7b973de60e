import type { ErrorCode, SubscribeMessage } from '../../../shared/src/protocol/index.js';
import type { Allowed } from './allowed.js';
import type { Subscription } from './snapshot-producer.js';

/** Why a subscribe is refused: the error sent for it, naming its `sub`. */
export interface SubscribeRefusal {
  readonly code: ErrorCode;
  readonly message: string;
}

/** What the checks read of the connection and its bridge. */
export interface SubscribeContext {
  readonly subs: ReadonlyMap<string, Subscription>;
  readonly allowed: Allowed;
  readonly maxSubscriptionsPerConnection: number;
  readonly revealForbiddenTables: boolean;
  hasTable(name: string): boolean;
}

/**
 * The first reason a subscribe cannot be served, in the order the client is told them: a
 * duplicate id, too many subscriptions, an unknown (or hidden) table, a forbidden one, or a twin
 * (same table and canonical filter) under another id. Undefined when it can be served.
 */
export function subscribeRefusal(
  message: SubscribeMessage,
  filterKey: string,
  context: SubscribeContext,
): SubscribeRefusal | undefined {
  const { sub: id, table: name } = message;
  const { subs, allowed: tables } = context;
  if (subs.has(id)) {
    return {
      code: 'DUPLICATE_SUBSCRIPTION',
      message: `Subscription "${id}" already exists on this connection.`,
    };
  }
  if (subs.size >= context.maxSubscriptionsPerConnection) {
    return {
      code: 'TOO_MANY_SUBSCRIPTIONS',
      message: `At most ${context.maxSubscriptionsPerConnection} subscriptions per connection.`,
    };
  }
  const allowed = tables === 'all' || tables.has(name);
  if (!context.hasTable(name) || (!allowed && !context.revealForbiddenTables)) {
    return {
      code: 'UNKNOWN_TABLE',
      message:
        tables === 'all'
          ? `No table "${name}" on this bridge.`
          : `No table "${name}" that this connection may read.`,
    };
  }
  if (!allowed) {
    return { code: 'FORBIDDEN', message: `This connection may not read table "${name}".` };
  }
  for (const twin of subs.values()) {
    if (twin.table === name && twin.filterKey === filterKey) {
      return {
        code: 'DUPLICATE_SUBSCRIPTION',
        message: `Subscription "${twin.id}" already reads table "${name}" with this filter on this connection; share it.`,
      };
    }
  }
  return undefined;
}
