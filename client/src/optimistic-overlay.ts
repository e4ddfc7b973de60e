import type { KeyChange } from './key-change.js';

interface Pending<V> {
  /** `undefined` for an optimistic delete. */
  readonly value: { readonly value: V } | undefined;
  /** Which write put it there: only that write's end may take it away. */
  readonly token: object;
}

/**
 * Optimistic writes shown over a handle's confirmed map: a pending value is visible (and listed
 * in `pending`) from the moment it is written until the write settles, then the confirmed map
 * shows through again — the written value once Kafka has it, the old one if the write failed.
 * The confirmed map itself (its position, status, cache) never holds a value Kafka does not.
 * A key shows its latest optimistic write only; when that one settles, the confirmed value shows.
 */
export class OptimisticOverlay<V> {
  readonly #pending = new Map<string, Pending<V>>();
  #keys: ReadonlySet<string> = new Set();
  #merged:
    | { base: ReadonlyMap<string, V>; version: number; map: ReadonlyMap<string, V> }
    | undefined;
  #version = 0;

  /** Keys showing a value that Kafka does not have yet. */
  get keys(): ReadonlySet<string> {
    return this.#keys;
  }

  /** The pending entry of `key`: `undefined` if none; `{ value: undefined }` for a delete. */
  lookup(key: string): Pending<V>['value'] | null {
    const pending = this.#pending.get(key);
    return pending === undefined ? null : pending.value;
  }

  /**
   * Shows `value` (or, `deleted`, its absence) under `key` until `written` settles, then the
   * confirmed value again; `emit` hears both changes of the view.
   */
  track(
    key: string,
    value: V | undefined,
    deleted: boolean,
    written: Promise<unknown>,
    base: () => ReadonlyMap<string, V>,
    emit: (change: KeyChange<V>) => void,
  ): void {
    const token = {};
    emit(this.#put(key, value, token, deleted));
    const settle = () => {
      const back = this.#settle(key, token, base());
      if (back !== undefined) emit(back);
    };
    written.then(settle, settle);
  }

  #put(key: string, value: V | undefined, token: object, deleted: boolean): KeyChange<V> {
    this.#pending.set(key, { value: deleted ? undefined : { value: value as V }, token });
    this.#changed();
    return deleted ? { key, deleted: true } : { key, deleted: false, value: value as V };
  }

  /** The change back to the confirmed value; undefined when a later write to the key shows. */
  #settle(key: string, token: object, base: ReadonlyMap<string, V>): KeyChange<V> | undefined {
    if (this.#pending.get(key)?.token !== token) return undefined;
    this.#pending.delete(key);
    this.#changed();
    return base.has(key)
      ? { key, deleted: false, value: base.get(key) as V }
      : { key, deleted: true };
  }

  /** The confirmed map with the pending writes over it; the same object until either changes. */
  view(base: ReadonlyMap<string, V>): ReadonlyMap<string, V> {
    if (this.#pending.size === 0) return base;
    const cached = this.#merged;
    if (cached !== undefined && cached.base === base && cached.version === this.#version) {
      return cached.map;
    }
    const map = new Map(base);
    for (const [key, { value }] of this.#pending) {
      if (value === undefined) map.delete(key);
      else map.set(key, value.value);
    }
    this.#merged = { base, version: this.#version, map };
    return map;
  }

  #changed(): void {
    this.#version++;
    this.#keys = new Set(this.#pending.keys());
  }
}
