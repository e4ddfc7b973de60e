import { type Position, samePosition } from '../../../shared/src/protocol/index.js';
import type { TableChange } from '../table-types.js';
import { BatchFrames } from './batch-frames.js';

/** The changes a table applied between two seals, and its position at the second. */
interface Entry {
  readonly changes: readonly TableChange<unknown>[];
  readonly position: Position;
}

/**
 * A table's recent changes, numbered, for a fan-out whose sockets are at different points of it.
 * Changes gather until the fan-out seals them into an entry (at the start of a delivery slice;
 * a busy sweep only a few times a pass, see TableSweep). A socket at entry number `n` is sent one
 * delta for everything after `n`, compacted to the last change per key (I11). Those deltas are
 * built once per starting point and shared by every socket that starts there, until the next
 * seal. Entries are dropped once every socket is past them.
 */
export class DeltaLog {
  #pending: TableChange<unknown>[] = [];
  #entries: Entry[] = [];
  /** The number of the entry before `#entries[0]`. */
  #base = 0;
  #lastPosition: Position | undefined;
  /** Deltas by starting entry number, for the current last entry; null: nothing changed. */
  readonly #ranges = new Map<number, BatchFrames | null>();

  constructor(readonly table: string) {}

  /** The number of the last sealed entry: a socket at it has everything sealed. */
  get latest(): number {
    return this.#base + this.#entries.length;
  }

  /** Changes the table applied; they wait for the next seal. */
  add(changes: readonly TableChange<unknown>[]): void {
    for (const change of changes) this.#pending.push(change);
  }

  /**
   * Seals what was added since the last seal into an entry at `position`, the table's position
   * now. Also seals when only the position moved (records that changed no key), so no delta
   * built later carries a position older than one a socket was already given. Returns whether
   * there is a new entry.
   */
  seal(position: Position): boolean {
    const moved = this.#lastPosition === undefined || !samePosition(position, this.#lastPosition);
    if (this.#pending.length === 0 && !moved) return false;
    this.#entries.push({ changes: this.#pending, position });
    this.#pending = [];
    this.#lastPosition = position;
    this.#ranges.clear();
    return true;
  }

  /**
   * The delta for a socket at entry `from` (at most `latest`): every change sealed after it,
   * the last per key, at the last entry's position. Null when none changed a key.
   */
  since(from: number): BatchFrames | null {
    let frames = this.#ranges.get(from);
    if (frames !== undefined) return frames;
    const end = this.#entries.at(-1);
    frames = end === undefined ? null : this.#build(from, false, end.position);
    this.#ranges.set(from, frames);
    return frames;
  }

  /**
   * The same, with what is not sealed yet, at `position` (the table's now): for one socket that
   * must not be sent a delta ending before the table's present. Built for it alone.
   */
  sinceNow(from: number, position: Position): BatchFrames | null {
    return this.#build(from, true, position);
  }

  #build(from: number, pending: boolean, position: Position): BatchFrames | null {
    const last = new Map<string, TableChange<unknown>>();
    let count = 0;
    const take = (changes: readonly TableChange<unknown>[]) => {
      for (const change of changes) {
        last.delete(change.key);
        last.set(change.key, change);
        count++;
      }
    };
    for (let i = Math.max(0, from - this.#base); i < this.#entries.length; i++) {
      take(this.#entries[i]!.changes);
    }
    if (pending) take(this.#pending);
    return count === 0 ? null : new BatchFrames(this.table, [...last.values()], position);
  }

  /** Drops the entries at or before `upTo`: no socket needs them any more. */
  trim(upTo: number): void {
    const drop = Math.min(upTo - this.#base, this.#entries.length);
    if (drop <= 0) return;
    this.#entries = this.#entries.slice(drop);
    this.#base += drop;
  }

  /** Drops everything pending and sealed: no socket reads the table any more. */
  clear(): void {
    this.#pending = [];
    this.trim(this.latest);
  }
}
