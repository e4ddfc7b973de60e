/**
 * A table handle's status. `loading`: no consistent snapshot yet on the current subscription, or
 * the bridge is still reading its topic. `caught_up`: snapshot applied and the bridge's table is
 * caught up. `degraded`: data is kept but may be stale (connection lost, bridge degraded).
 * `failed`: no more updates until something changes (bridge refused or failed the table, or the
 * handle/client was closed); `statusReason` says which.
 */
export type TableHandleStatus = 'loading' | 'caught_up' | 'degraded' | 'failed';

/** One applied change to a key: `value` is present only when `deleted` is false. */
export interface TableChange<V> {
  readonly key: string;
  readonly deleted: boolean;
  readonly value?: V;
}
