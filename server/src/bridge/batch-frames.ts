import type { Position } from '../../../shared/src/protocol/index.js';
import type { TableChange } from '../table-types.js';
import { FramedText } from './framed-text.js';
import { deltaFrame, wireSet } from './wire-frames.js';

/**
 * The frames of one applied batch, built lazily and at most once: the unfiltered delta is
 * built and framed once and the same bytes go to every socket; each set's JSON is built once, from the
 * value text the table stores, and shared by every filtered subscription.
 */
export class BatchFrames {
  #sets: Map<string, string> | undefined;
  #deletes: string[] | undefined;
  #shared: FramedText | undefined;

  constructor(
    readonly table: string,
    readonly changes: readonly TableChange<unknown>[],
    readonly position: Position,
  ) {}

  /** The delta for every unfiltered subscription of the table. */
  shared(): FramedText {
    this.#shared ??= new FramedText(
      deltaFrame(
        { table: this.table },
        [...this.#setsByKey().values()],
        this.#deleted(),
        this.position,
      ),
    );
    return this.#shared;
  }

  /** The delta for one filtered subscription, or undefined when nothing in it matches. */
  filtered(sub: string, matches: (key: string) => boolean): string | undefined {
    const sets: string[] = [];
    for (const [key, set] of this.#setsByKey()) if (matches(key)) sets.push(set);
    const deletes = this.#deleted().filter(matches);
    if (sets.length === 0 && deletes.length === 0) return undefined;
    return deltaFrame({ sub }, sets, deletes, this.position);
  }

  #setsByKey(): Map<string, string> {
    if (this.#sets) return this.#sets;
    this.#sets = new Map();
    for (const change of this.changes) {
      if (!change.deleted)
        this.#sets.set(change.key, wireSet(change.key, change.text, change.plain));
    }
    return this.#sets;
  }

  #deleted(): string[] {
    this.#deletes ??= this.changes.filter((c) => c.deleted).map((c) => c.key);
    return this.#deletes;
  }
}
