/** One applied change to a key: `value` is present only when `deleted` is false. */
export interface KeyChange<V> {
  readonly key: string;
  readonly deleted: boolean;
  readonly value?: V;
}
