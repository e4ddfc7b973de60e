import type { Position } from '../../../shared/src/protocol/index.js';
import type { TableChange } from '../table-types.js';
import { FramedText } from './framed-text.js';
import { deltaFrame, wireSet } from './wire-frames.js';

/** The changes of a batch that one filter keeps: undefined when it keeps none. */
interface Selection {
  readonly sets: readonly string[];
  readonly deletes: readonly string[];
  /** The framed delta per `sub` id: the id is in the bytes, so it is part of the key. */
  readonly frames: Map<string, FramedText>;
}

/**
 * The frames of one applied batch, built lazily and at most once, and written as the same bytes
 * to every socket they go to. The unfiltered delta is one frame for every socket. A filtered
 * delta carries its subscription's `sub`, so its bytes are shared by the subscriptions with the
 * same canonical filter and the same `sub` id (clients number their subscriptions, so sockets of
 * one app mostly agree): the keys a filter keeps are picked once per canonical filter, and each
 * (filter, sub) frame is built and framed once. Each set's JSON is built once, from the value
 * text the table stores, and shared by all of them. The bytes a socket gets are the same as if
 * its delta were built for it alone.
 */
export class BatchFrames {
  #sets: Map<string, string> | undefined;
  #deletes: string[] | undefined;
  #shared: FramedText | undefined;
  /** Per canonical filter, what it keeps (null: nothing). */
  readonly #selections = new Map<string, Selection | null>();

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

  /**
   * The delta for the filtered subscription `sub`, or undefined when nothing in its filter
   * changed. `filterKey` is the filter's canonical form: subscriptions that give the same one
   * must give matchers that keep the same keys.
   */
  filtered(
    sub: string,
    filterKey: string,
    matches: (key: string) => boolean,
  ): FramedText | undefined {
    const selection = this.#select(filterKey, matches);
    if (selection === null) return undefined;
    let frame = selection.frames.get(sub);
    if (frame === undefined) {
      frame = new FramedText(deltaFrame({ sub }, selection.sets, selection.deletes, this.position));
      selection.frames.set(sub, frame);
    }
    return frame;
  }

  #select(filterKey: string, matches: (key: string) => boolean): Selection | null {
    let selection = this.#selections.get(filterKey);
    if (selection !== undefined) return selection;
    const sets: string[] = [];
    for (const [key, set] of this.#setsByKey()) if (matches(key)) sets.push(set);
    const deletes = this.#deleted().filter(matches);
    selection =
      sets.length === 0 && deletes.length === 0 ? null : { sets, deletes, frames: new Map() };
    this.#selections.set(filterKey, selection);
    return selection;
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
