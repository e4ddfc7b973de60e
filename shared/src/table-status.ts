/**
 * The status of a table on the bridge, in the order a table goes through them. The one list
 * both sides use: the protocol's parser, the client's bootstrap check and the bridge's metrics.
 */
export const TABLE_STATUSES = ['unstarted', 'loading', 'caught_up', 'degraded', 'failed'] as const;

export type TableStatus = (typeof TABLE_STATUSES)[number];

export function isTableStatus(value: unknown): value is TableStatus {
  return typeof value === 'string' && (TABLE_STATUSES as readonly string[]).includes(value);
}
