import type { Position } from '../../../shared/src/protocol/index.js';
import type { BatchFrames } from './batch-frames.js';
import type { DeltaLog } from './delta-log.js';
import type { SliceTask } from './slice-scheduler.js';

/** The most sockets one slice writes to before the scheduler looks at the clock again. */
const VISITS_PER_SLICE = 32;

/**
 * How many times a busy sweep seals new changes per pass round its sockets. Each seal gives the
 * sockets after it a new starting point, and each starting point costs a delta built from every
 * change since it; a few per pass keep that cost linear in the changes while adding at most an
 * eighth of a pass to a change's wait.
 */
const SEALS_PER_PASS = 8;

/**
 * Delivers one table's changes to its sockets by sweeping round them, a slice at a time, each
 * socket getting everything sealed since it was last visited.
 *
 * A delivery round that wrote one batch to every socket and only then looked at new changes made
 * every change wait for the round in progress to end (its Kafka fetch response unread meanwhile)
 * and then for its place in the next: about two rounds, ~10 µs a socket. The sweep never stops
 * between batches: a slice first seals what the table applied since the last seal (DeltaLog; a
 * busy sweep at most SEALS_PER_PASS times a pass), so a socket visited later in the same pass
 * already gets a change that arrived mid-pass, and the loop reads Kafka and sockets between
 * slices. A change then waits on average about half a pass, and under load a socket gets fewer,
 * larger deltas rather than falling behind. The sweep stops once every socket is at the last
 * entry.
 */
export class TableSweep<M> implements SliceTask {
  readonly #log: DeltaLog;
  readonly #position: () => Position;
  readonly #deliver: (member: M, batch: BatchFrames) => void;
  readonly #members: M[] = [];
  /** Per member (same index), the log entry it has had everything up to. */
  readonly #cursors: number[] = [];
  readonly #index = new Map<M, number>();
  /** The index the sweep visits next. */
  #next = 0;
  /** Members whose cursor is before the log's last entry. */
  #behind = 0;
  /** Members that went live since the last seal, with the log's last entry then. */
  readonly #fresh = new Map<M, number>();
  readonly #now: () => number;
  #lastSeal = Number.NEGATIVE_INFINITY;
  /** What a visit costs, in ms (a moving average): a pass takes about size × this. */
  #visitMs = 0.01;

  constructor(
    log: DeltaLog,
    position: () => Position,
    deliver: (member: M, batch: BatchFrames) => void,
    now: () => number = () => performance.now(),
  ) {
    this.#log = log;
    this.#position = position;
    this.#deliver = deliver;
    this.#now = now;
  }

  get size(): number {
    return this.#members.length;
  }

  /** A copy: a visit may add or delete members. */
  members(): M[] {
    return this.#members.slice();
  }

  /** Starts at the log's last entry: what the member reads from now on is its snapshot's. */
  add(member: M): void {
    if (this.#index.has(member)) return;
    this.#index.set(member, this.#members.length);
    this.#members.push(member);
    this.#cursors.push(this.#log.latest);
  }

  /** O(1): the last member takes the deleted one's place. */
  delete(member: M): void {
    const at = this.#index.get(member);
    if (at === undefined) return;
    this.#index.delete(member);
    this.#fresh.delete(member);
    if (this.#cursors[at]! < this.#log.latest) this.#behind--;
    const last = this.#members.pop()!;
    const lastCursor = this.#cursors.pop()!;
    if (last !== member) {
      this.#members[at] = last;
      this.#cursors[at] = lastCursor;
      this.#index.set(last, at);
    }
    if (this.#members.length === 0) {
      this.#behind = 0;
      this.#log.clear();
    }
  }

  /**
   * SliceTask: seals what the table applied (when due), then visits a few members; true while
   * any is behind.
   */
  runSlice(): boolean {
    this.#seal(false);
    const started = this.#now();
    let visits = 0;
    while (this.#behind > 0 && visits < VISITS_PER_SLICE) {
      if (this.#next >= this.#members.length) {
        this.#wrap();
        continue;
      }
      if (this.#visit(this.#next++)) visits++;
    }
    if (visits > 0) this.#visitMs += ((this.#now() - started) / visits - this.#visitMs) / 8;
    // Changes held back for the gap between seals go now that nobody is behind.
    if (this.#behind === 0) this.#seal(false);
    return this.#behind > 0;
  }

  /**
   * `member` has a subscription going live at the table's position now. It must never be sent a
   * delta that ends before that (I5, and its values would be older than its snapshot's), so until
   * the next seal its deltas include what is not sealed yet, built for it alone. Sealing for it
   * instead would give every other socket a new starting point per join, and a join flood a
   * delta built per join for all of them.
   */
  settle(member: M): void {
    if (this.#index.has(member)) this.#fresh.set(member, this.#log.latest);
  }

  /** Brings every member to the table's current state now: before a status (I4). */
  catchUpAll(): void {
    this.#seal(true);
    // A delivery may close its socket, moving the last member into its place: go round again
    // until nobody is behind rather than trusting one pass.
    let i = 0;
    while (this.#behind > 0) {
      if (i >= this.#members.length) i = 0;
      this.#visit(i++);
    }
  }

  /**
   * An idle sweep seals at once, so a quiet table's change goes out on the next turn; a busy
   * one at most SEALS_PER_PASS times per pass (`force`: now).
   */
  #seal(force: boolean): void {
    if (this.#members.length === 0) return;
    const now = this.#now();
    const gap = (this.#members.length * this.#visitMs) / SEALS_PER_PASS;
    if (!force && this.#behind > 0 && now - this.#lastSeal < gap) return;
    if (this.#log.seal(this.#position())) {
      this.#behind = this.#members.length;
      this.#lastSeal = now;
    }
  }

  /** Sends member `i` what it lacks; false when it lacked nothing. */
  #visit(i: number): boolean {
    const latest = this.#log.latest;
    const cursor = this.#cursors[i]!;
    if (cursor >= latest) return false;
    this.#cursors[i] = latest;
    this.#behind--;
    const member = this.#members[i]!;
    const settledAt = this.#fresh.size === 0 ? undefined : this.#fresh.get(member);
    if (settledAt !== undefined) this.#fresh.delete(member);
    const batch =
      settledAt === latest ? this.#log.sinceNow(cursor, this.#position()) : this.#log.since(cursor);
    if (batch !== null) this.#deliver(member, batch);
    return true;
  }

  /** Back at the start: entries every member is past are dropped. */
  #wrap(): void {
    this.#next = 0;
    let min = this.#log.latest;
    for (const cursor of this.#cursors) if (cursor < min) min = cursor;
    this.#log.trim(min);
  }
}
