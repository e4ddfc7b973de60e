import {
  encodeMessage,
  type Position,
  toWireValue,
  type WireSet,
} from '../../../shared/src/protocol/index.js';
import type { TableChange } from '../table-types.js';

/**
 * The frames of one applied batch, built lazily and at most once: the unfiltered delta is
 * encoded once and the same string goes to every socket; wire values are computed once and
 * shared by every filtered subscription.
 */
export class BatchFrames {
  #wire: Map<string, WireSet> | undefined;
  #deletes: string[] | undefined;
  #shared: string | undefined;

  constructor(
    readonly table: string,
    readonly changes: readonly TableChange<unknown>[],
    readonly position: Position,
  ) {}

  /** The delta for every unfiltered subscription of the table. */
  shared(): string {
    this.#shared ??= encodeMessage({
      type: 'delta',
      table: this.table,
      sets: [...this.#sets().values()],
      deletes: this.#deleted(),
      position: this.position,
    });
    return this.#shared;
  }

  /** The delta for one filtered subscription, or undefined when nothing in it matches. */
  filtered(sub: string, matches: (key: string) => boolean): string | undefined {
    const sets: WireSet[] = [];
    for (const [key, set] of this.#sets()) if (matches(key)) sets.push(set);
    const deletes = this.#deleted().filter(matches);
    if (sets.length === 0 && deletes.length === 0) return undefined;
    return encodeMessage({ type: 'delta', sub, sets, deletes, position: this.position });
  }

  #sets(): Map<string, WireSet> {
    if (this.#wire) return this.#wire;
    this.#wire = new Map();
    for (const change of this.changes) {
      if (!change.deleted) this.#wire.set(change.key, [change.key, toWireValue(change.value)]);
    }
    return this.#wire;
  }

  #deleted(): string[] {
    this.#deletes ??= this.changes.filter((c) => c.deleted).map((c) => c.key);
    return this.#deletes;
  }
}
