import type { WebSocket } from 'ws';
import {
  type ClientMessage,
  type ErrorCode,
  encodeMessage,
  type Position,
  positionCovers,
  type ServerMessage,
  type SubscribeMessage,
  samePosition,
  tablePosition,
  type WriteMessage,
} from '../../../shared/src/protocol/index.js';
import { keyMatcher } from '../../../shared/src/protocol/key-filter.js';
import type { KafkaTable } from '../kafka-table.js';
import type { Allowed } from './allowed.js';
import type { BatchFrames } from './batch-frames.js';
import type { AuthorizeRequest } from './bridge-options.js';
import { canonicalFilter } from './canonical-filter.js';
import { frameSize, readClientFrame } from './client-frame.js';
import type { ConnectionHost } from './connection-host.js';
import { DrainWatch } from './drain-watch.js';
import { type FramedText, writeFramed } from './framed-text.js';
import { MessageLimit } from './message-limit.js';
import { pastLogEnd } from './past-log-end.js';
import type { SliceTask } from './slice-scheduler.js';
import { SnapshotProducer, type Subscription } from './snapshot-producer.js';
import { subscribeRefusal } from './subscribe-refusal.js';
import type { FanoutMember } from './table-fanout.js';
import { refusedWrite, WriteLimit } from './write-limit.js';

/**
 * One client socket and its subscriptions. Everything it is sent counts against one budget,
 * `slowClientBytes`: deltas go out while the send buffer is under it; snapshots are produced a
 * part at a time, only while the buffer is under half of it; a subscription that misses deltas
 * is resumed later from its position. A socket that stays without room is closed with 4008.
 */
export class BridgeConnection implements SliceTask, FanoutMember {
  readonly #subs = new Map<string, Subscription>();
  readonly #socket: WebSocket;
  readonly #host: ConnectionHost;
  readonly #producer: SnapshotProducer;
  readonly #messageLimit: MessageLimit;
  readonly #writeLimit: WriteLimit;
  readonly #request: AuthorizeRequest;
  #allowed: Allowed;
  readonly #drain: DrainWatch;
  #closed = false;
  alive = true;

  /**
   * Waiting for its send buffer to drain. Its pong may be queued behind what it has not read,
   * so a missed heartbeat says nothing: the stall limit (4008) decides for such a socket.
   */
  get stalled(): boolean {
    return this.#drain.waiting;
  }

  constructor(
    socket: WebSocket,
    host: ConnectionHost,
    allowed: Allowed,
    request: AuthorizeRequest,
  ) {
    this.#socket = socket;
    this.#host = host;
    this.#allowed = allowed;
    this.#request = request;
    const o = host.options;
    this.#writeLimit = new WriteLimit(o.maxWritesPerSecond);
    this.#producer = new SnapshotProducer(this, o.snapshotPartSize, () => this.#drain.flushed());
    this.#messageLimit = new MessageLimit(o.controlMessageBurst, o.controlMessagesPerSecond);
    this.#drain = new DrainWatch(host.timers, o.slowClientTimeoutMs, {
      hasRoom: () => this.#hasRoom(),
      room: () => this.#wake(),
      stalled: () => {
        host.metrics.slowClientEvents++;
      },
      tooLong: () => this.#stalledTooLong(),
    });
  }

  get subscriptionCount(): number {
    return this.#subs.size;
  }

  get allowed(): Allowed {
    return this.#allowed;
  }

  table(name: string): KafkaTable<unknown> | undefined {
    return this.#host.table(name);
  }

  send(message: ServerMessage): void {
    this.sendFrame(encodeMessage(message));
  }

  /** Sends one message's text, or a frame built once for many sockets. */
  sendFrame(frame: string | FramedText, flushed?: () => void): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return;
    if (typeof frame === 'string') {
      if (flushed) this.#socket.send(frame, flushed);
      else this.#socket.send(frame);
      this.#host.metrics.bytesSent += Buffer.byteLength(frame);
    } else {
      writeFramed(this.#socket, frame, flushed);
      this.#host.metrics.bytesSent += frame.payloadBytes;
    }
    this.#host.metrics.framesSent++;
  }

  #error(code: ErrorCode, message: string, sub?: string): void {
    this.#host.metrics.protocolErrors++;
    this.send(
      sub === undefined ? { type: 'error', code, message } : { type: 'error', code, message, sub },
    );
  }

  /** Ends the session: an error without `sub` (if any), then the close code. */
  close(code: number, reason: string, error?: { code: ErrorCode; message: string }): void {
    if (this.#closed) return;
    if (error) this.#error(error.code, error.message);
    this.#socket.close(code, reason);
    this.dispose();
  }

  async receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> {
    if (this.#closed) return;
    if (frameSize(data) > this.#host.options.maxMessageBytes) {
      return this.close(1009, 'message too large', {
        code: 'MESSAGE_TOO_LARGE',
        message: `Messages are limited to ${this.#host.options.maxMessageBytes} bytes.`,
      });
    }
    const { message, failure } = readClientFrame(data, isBinary);
    if (!this.#admit(message, failure?.sub)) return;
    if (failure) {
      // With the subscription named, the client can fail that subscribe instead of waiting.
      return this.#error(failure.code, failure.message, failure.sub);
    }
    switch (message.type) {
      case 'subscribe':
        await this.#subscribe(message);
        return;
      case 'unsubscribe':
        this.#unsubscribe(message.sub, true);
        return;
      case 'write':
        await this.#write(message);
        return;
    }
  }

  /** A write: its own rate limit, then the bridge's write service (PROTOCOL.md §16). */
  async #write(message: WriteMessage): Promise<void> {
    const context = { request: this.#request, readable: this.#allowed };
    this.send(
      this.#writeLimit.refusal(message) ?? (await this.#host.writes.write(message, context)),
    );
  }

  /**
   * The per-socket rate limit on client messages. Over it a message is refused with
   * RATE_LIMITED, except an unsubscribe, which frees resources and is always honoured; a socket
   * that goes on past `controlMessageBurst` refusals in a row is closed with 4429.
   */
  #admit(message: ClientMessage | undefined, failedSub: string | undefined): boolean {
    const verdict = this.#messageLimit.verdict(message);
    if (verdict === 'admit') return true;
    this.#host.metrics.rateLimited++;
    if (verdict === 'close') {
      this.close(4429, 'too many messages', {
        code: 'RATE_LIMITED',
        message: 'This socket kept sending faster than allowed; reconnect later.',
      });
      return false;
    }
    if (verdict === 'honour') return true;
    if (message?.type === 'write') {
      this.send(refusedWrite(message, 'Too many messages on this socket; slow down.'));
      return false;
    }
    const sub = message?.sub ?? failedSub;
    this.#error(
      'RATE_LIMITED',
      `More than ${this.#host.options.controlMessagesPerSecond} messages per second; slow down.`,
      sub,
    );
    return false;
  }

  async #subscribe(message: SubscribeMessage): Promise<void> {
    const { sub: id, table: name } = message;
    const o = this.#host.options;
    const filterKey = canonicalFilter(message.filter);
    const refusal = subscribeRefusal(message, filterKey, {
      subs: this.#subs,
      allowed: this.#allowed,
      maxSubscriptionsPerConnection: o.maxSubscriptionsPerConnection,
      revealForbiddenTables: o.revealForbiddenTables,
      hasTable: (n) => this.#host.table(n) !== undefined,
    });
    if (refusal !== undefined) return this.#error(refusal.code, refusal.message, id);
    // subscribeRefusal refuses a table this bridge does not have.
    const table = this.#host.table(name)!;
    const sub: Subscription = {
      id,
      table: name,
      filterKey,
      matches: keyMatcher(message.filter),
      state: 'waiting',
      position: undefined,
      told: undefined,
    };
    this.#subs.set(id, sub);
    this.#host.metrics.subscriptions++;
    this.#host.join(name, this);
    const from = message.position;
    const here = tablePosition(table);
    const topicId = here.topicId;
    if (from !== undefined && from.topicId === topicId) {
      // I3: a client must never go back in time, so a bridge behind its position waits —
      // unless the position is past the end of the log itself: then the topic was truncated or
      // recreated under the same identity, and only a reset is right.
      const pastEnd = !positionCovers(here, from) && (await pastLogEnd(table, from));
      if (this.#subs.get(id) !== sub) return;
      if (!pastEnd) {
        if (!positionCovers(tablePosition(table), from)) {
          this.#host.metrics.waitingSubscriptions++;
          const reached = await table.waitForPosition(from.offsets, o.behindTimeoutMs);
          this.#host.metrics.waitingSubscriptions--;
          if (this.#subs.get(id) !== sub) return;
          if (!reached) {
            this.#unsubscribe(id, false);
            return this.#error(
              'OVERLOADED',
              `This bridge has not reached your position of table "${name}"; reconnect, ideally to another replica.`,
              id,
            );
          }
        }
        sub.position = from;
      }
    }
    this.#producer.enqueue(sub);
    this.#wake();
  }

  #unsubscribe(id: string, reply: boolean): void {
    const sub = this.#subs.get(id);
    if (sub !== undefined) {
      this.#subs.delete(id);
      this.#producer.drop(sub);
      this.#host.metrics.subscriptions--;
      if (![...this.#subs.values()].some((s) => s.table === sub.table))
        this.#host.leave(sub.table, this);
    }
    if (reply) this.send({ type: 'unsubscribed', sub: id });
  }

  /** Ends a subscription with an error naming it (I12). */
  #end(sub: Subscription, code: ErrorCode, message: string): void {
    if (this.#subs.get(sub.id) !== sub) return;
    this.#unsubscribe(sub.id, false);
    this.#error(code, message, sub.id);
  }

  /** Re-checks subscriptions against a new decision: those no longer allowed end FORBIDDEN. */
  reauthorized(allowed: Allowed): void {
    this.#allowed = allowed;
    if (allowed === 'all') return;
    for (const sub of [...this.#subs.values()]) {
      if (!allowed.has(sub.table)) {
        this.#end(sub, 'FORBIDDEN', `This connection may no longer read table "${sub.table}".`);
      }
    }
  }

  // --- Snapshots, on the socket's pace ------------------------------------------------------

  /** ProducerHost: the snapshot of `sub` ended; live if nothing was applied since, else resume. */
  ended(sub: Subscription, position: Position): void {
    sub.position = position;
    const table = this.#host.table(sub.table)!;
    const now = tablePosition(table);
    if (!samePosition(now, position)) {
      this.#producer.enqueue(sub, true);
      return;
    }
    this.#host.settle(sub.table, this);
    sub.state = 'live';
    this.#reconcileStatus(sub.table);
  }

  /** SliceTask: one slice of snapshot work, run by the bridge's scheduler. */
  runSlice(): boolean {
    if (this.#closed || !this.#producer.pending) return false;
    if (!this.#hasRoom()) {
      this.#drain.wait();
      return false;
    }
    this.#drain.progress();
    const sub = this.#producer.current;
    const restarts = this.#producer.restarts;
    try {
      this.#producer.slice();
      this.#host.metrics.snapshotRestarts += this.#producer.restarts - restarts;
    } catch (error) {
      const failed = sub ?? this.#producer.current;
      this.#host.logger.error('A snapshot could not be encoded; ending the subscription.', {
        error: String(error),
      });
      if (failed)
        this.#end(
          failed,
          'INTERNAL',
          `The bridge could not encode table "${failed.table}": ${String(error)}`,
        );
    }
    return this.#producer.pending;
  }

  #hasRoom(): boolean {
    return this.#socket.bufferedAmount < this.#host.options.slowClientBytes / 2;
  }

  #wake(): void {
    if (this.#closed || !this.#producer.pending) return;
    if (this.#hasRoom()) this.#host.scheduler.add(this);
    else this.#drain.wait();
  }

  #stalledTooLong(): void {
    if (this.#closed) return;
    this.#host.metrics.slowClientDisconnects++;
    this.#host.logger.warn('Closed a connection that stayed stalled.', {
      stalledMs: this.#host.options.slowClientTimeoutMs,
      bufferedBytes: this.#socket.bufferedAmount,
    });
    this.close(4008, 'too slow: the connection did not drain');
  }

  // --- Live data ----------------------------------------------------------------------------

  /** A batch of a table this connection subscribes to was applied. */
  deliver(batch: BatchFrames): void {
    if (this.#closed) return;
    const full = this.#socket.bufferedAmount > this.#host.options.slowClientBytes;
    for (const sub of this.#subs.values()) {
      if (sub.state !== 'live' || sub.table !== batch.table) continue;
      if (full) {
        // Behind from here: resumed from its position once the socket drains (I9).
        this.#producer.enqueue(sub);
        continue;
      }
      let frame: FramedText | undefined;
      try {
        // Built once per batch for all sockets that get the same bytes (see BatchFrames).
        frame =
          sub.matches === undefined
            ? batch.shared()
            : batch.filtered(sub.id, sub.filterKey, sub.matches);
      } catch (error) {
        this.#end(
          sub,
          'INTERNAL',
          `The bridge could not encode a change of table "${sub.table}": ${String(error)}`,
        );
        continue;
      }
      if (frame !== undefined) this.sendFrame(frame);
      sub.position = batch.position;
    }
    if (full) this.#wake();
  }

  /**
   * A status change of a table this connection subscribes to. It waits while any subscription
   * of the table is not live: a `caught_up` ahead of the data it stands for would break I4.
   */
  status(table: string): void {
    if (!this.#closed) this.#reconcileStatus(table);
  }

  #reconcileStatus(name: string): void {
    const subs = [...this.#subs.values()].filter((s) => s.table === name);
    const table = this.#host.table(name);
    if (table === undefined || subs.some((s) => s.state !== 'live')) return;
    if (subs.every((s) => s.told === table.status)) return;
    for (const s of subs) s.told = table.status;
    const reason = table.failure?.message;
    this.send(
      reason === undefined
        ? { type: 'status', table: name, status: table.status }
        : { type: 'status', table: name, status: table.status, reason },
    );
  }

  /** Forgets every subscription; the socket is closing or closed. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#drain.dispose();
    this.#host.scheduler.delete(this);
    this.#producer.dispose();
    for (const id of [...this.#subs.keys()]) this.#unsubscribe(id, false);
  }
}
