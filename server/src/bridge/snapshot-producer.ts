import {
  encodeMessage,
  type Position,
  type TableStatus,
  tablePosition,
} from '../../../shared/src/protocol/index.js';
import type { KafkaTable } from '../kafka-table.js';
import type { SnapshotView, StoredEntry } from '../snapshot-view.js';
import { snapshotPartFrame } from './wire-frames.js';

/**
 * The characters of keys and stored values one snapshot part holds at most, besides its entry
 * count (`snapshotPartSize`): parts of large values stay far below any client's frame limit
 * (the TypeScript client refuses frames over 64 MiB by default) and under half the default send
 * budget. An entry larger than this travels alone in its part.
 */
export const SNAPSHOT_PART_CHARS = 1024 * 1024;

/** One subscription on one socket. */
export interface Subscription {
  readonly id: string;
  readonly table: string;
  /** The filter in canonical form: two subscriptions with the same one are duplicates. */
  readonly filterKey: string;
  readonly matches: ((key: string) => boolean) | undefined;
  /**
   * `waiting`: for the table to reach the client's position (I3); `queued`: for its turn to be
   * sent a snapshot; `snapshot`: being sent one; `live`: gets deltas. Only a live subscription
   * gets deltas (I6); one that misses any goes back to `queued` and is resumed from `position`.
   */
  state: 'waiting' | 'queued' | 'snapshot' | 'live';
  /** What the client holds: the position of its last snapshot-end or delta. */
  position: Position | undefined;
  /** The table status the client was last told for this subscription. */
  told: TableStatus | undefined;
}

/** What the producer needs from its connection. */
export interface ProducerHost {
  table(name: string): KafkaTable<unknown> | undefined;
  /** Sends a frame; `flushed` runs once it has left the process. */
  sendFrame(frame: string, flushed?: () => void): void;
  /** The snapshot of `sub` ended at `position`: it goes live or is queued again. */
  ended(sub: Subscription, position: Position): void;
}

interface Job {
  readonly sub: Subscription;
  readonly table: KafkaTable<unknown>;
  readonly view: SnapshotView;
}

/**
 * Sends one socket's snapshots one at a time, a part per slice, only when asked (pull): the
 * connection asks while its socket has room, so a socket that does not read holds at most one
 * open view and what its send buffer holds, whatever it subscribed to.
 */
export class SnapshotProducer {
  readonly #host: ProducerHost;
  readonly #partSize: number;
  /** Past this many kept keys the view is costing more than it saves: start it again. */
  readonly #maxKept: number;
  readonly #queue: Subscription[] = [];
  readonly #onFlushed: () => void;
  #job: Job | undefined;
  restarts = 0;

  constructor(host: ProducerHost, partSize: number, onFlushed: () => void) {
    this.#host = host;
    this.#partSize = partSize;
    this.#maxKept = partSize * 10;
    this.#onFlushed = onFlushed;
  }

  get pending(): boolean {
    return this.#job !== undefined || this.#queue.length > 0;
  }

  /** Queues a snapshot for `sub`: a resume from `sub.position` when it has one, else a reset. */
  enqueue(sub: Subscription, first = false): void {
    sub.state = 'queued';
    if (first) this.#queue.unshift(sub);
    else this.#queue.push(sub);
  }

  /** Forgets `sub`, closing its view if it is being sent. */
  drop(sub: Subscription): void {
    const at = this.#queue.indexOf(sub);
    if (at >= 0) this.#queue.splice(at, 1);
    if (this.#job?.sub === sub) this.#closeJob();
  }

  /** The subscription being sent, if any. */
  get current(): Subscription | undefined {
    return this.#job?.sub;
  }

  /** Produces at most one part (plus begin or end). Throws what encoding throws. */
  slice(): void {
    const job = this.#job ?? this.#open();
    if (job === undefined) return;
    if (job.view.kept > this.#maxKept) {
      // The table changes faster than this socket reads: begin again from a fresh position.
      this.restarts++;
      this.#closeJob();
      this.#queue.unshift(job.sub);
      return;
    }
    const sets: Array<readonly [string, StoredEntry]> = [];
    const deletes: string[] = [];
    const done = job.view.read(
      this.#partSize,
      this.#partSize * 4,
      sets,
      deletes,
      SNAPSHOT_PART_CHARS,
    );
    if (sets.length > 0 || deletes.length > 0) {
      // The stored wire text is spliced into the frame: no value is decoded or encoded again.
      const frame = snapshotPartFrame(job.sub.id, sets, deletes);
      this.#host.sendFrame(frame, this.#onFlushed);
    }
    if (!done) return;
    const position = { topicId: tablePosition(job.table).topicId, offsets: job.view.position };
    this.#job = undefined;
    this.#host.sendFrame(
      encodeMessage({ type: 'snapshot-end', sub: job.sub.id, position, status: job.sub.told! }),
    );
    this.#host.ended(job.sub, position);
  }

  #open(): Job | undefined {
    const sub = this.#queue.shift();
    if (sub === undefined) return undefined;
    const table = this.#host.table(sub.table)!;
    const from = sub.position;
    const topicId = tablePosition(table).topicId;
    const view = table.openView({
      ...(from !== undefined && from.topicId === topicId ? { since: from.offsets } : {}),
      ...(sub.matches === undefined ? {} : { matches: sub.matches }),
    });
    sub.state = 'snapshot';
    // The status as of the view's position: a later caught_up waits until the data is sent (I4).
    sub.told = table.status;
    this.#job = { sub, table, view };
    this.#host.sendFrame(
      encodeMessage({ type: 'snapshot-begin', sub: sub.id, table: sub.table, mode: view.mode }),
    );
    return this.#job;
  }

  #closeJob(): void {
    this.#job?.view.close();
    this.#job = undefined;
  }

  /** Closes every view; the socket is gone. */
  dispose(): void {
    this.#closeJob();
    this.#queue.length = 0;
  }
}
