import type { WebSocket } from 'ws';
import {
  type ClientMessage,
  type ErrorCode,
  encodeMessage,
  type KeyFilter,
  keyMatcher,
  type Position,
  ProtocolError,
  parseClientMessage,
  positionCovers,
  type ServerMessage,
  type SubscribeMessage,
  tablePosition,
  type WriteMessage,
} from '../../../shared/src/protocol/index.js';
import type { Logger, Timers } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import type { BatchFrames } from './batch-frames.js';
import type { BridgeMetrics } from './bridge-metrics.js';
import type { AuthorizeRequest, ResolvedBridgeOptions } from './bridge-options.js';
import { TokenBucket } from './token-bucket.js';
import { snapshotPartFrame, wireSetOf } from './wire-frames.js';
import type { WriteService } from './write-service.js';

interface Subscription {
  readonly id: string;
  readonly table: string;
  readonly filter: KeyFilter | undefined;
  readonly matches: ((key: string) => boolean) | undefined;
  /** Live subscriptions get deltas; before its snapshot-end a subscription gets none (I6). */
  live: boolean;
  /** The last position this subscription was sent: where a stalled socket resumes from. */
  position: Position | undefined;
}

/** What a connection needs from its bridge. */
export interface ConnectionHost {
  readonly options: ResolvedBridgeOptions;
  readonly metrics: BridgeMetrics;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly writes: WriteService;
  table(name: string): KafkaTable<unknown> | undefined;
  join(table: string, connection: BridgeConnection): void;
  leave(table: string, connection: BridgeConnection): void;
}

/** One client socket and its subscriptions. */
export class BridgeConnection {
  readonly #subs = new Map<string, Subscription>();
  readonly #socket: WebSocket;
  readonly #host: ConnectionHost;
  readonly #allowed: ReadonlySet<string> | 'all';
  readonly #request: AuthorizeRequest;
  readonly #writeLimit: TokenBucket;
  /** Set when the socket stopped draining; deltas are skipped until it catches up. */
  #stalledSince: number | undefined;
  #drainTimer: unknown;
  #closed = false;
  alive = true;

  constructor(
    socket: WebSocket,
    host: ConnectionHost,
    allowed: ReadonlySet<string> | 'all',
    request: AuthorizeRequest,
  ) {
    this.#socket = socket;
    this.#host = host;
    this.#allowed = allowed;
    this.#request = request;
    const perSecond = host.options.maxWritesPerSecond;
    this.#writeLimit = new TokenBucket(perSecond, 2 * perSecond);
  }

  get subscriptionCount(): number {
    return this.#subs.size;
  }

  send(message: ServerMessage): void {
    this.#sendFrame(encodeMessage(message));
  }

  #sendFrame(frame: string): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return;
    this.#socket.send(frame);
    this.#host.metrics.framesSent++;
    this.#host.metrics.bytesSent += Buffer.byteLength(frame);
  }

  #error(code: ErrorCode, message: string, sub?: string): void {
    this.#host.metrics.protocolErrors++;
    this.send(
      sub === undefined ? { type: 'error', code, message } : { type: 'error', code, message, sub },
    );
  }

  async receive(data: unknown, isBinary: boolean): Promise<void> {
    let message: ClientMessage;
    try {
      if (isBinary)
        throw new ProtocolError(
          'BAD_MESSAGE',
          'Binary frames are not part of the protocol; send JSON text.',
        );
      message = parseClientMessage(String(data));
    } catch (error) {
      const protocolError = error instanceof ProtocolError ? error : undefined;
      // With the subscription named, the client can fail that subscribe instead of waiting.
      this.#error(
        protocolError?.code ?? 'BAD_MESSAGE',
        protocolError?.message ?? 'Unreadable message.',
        protocolError?.sub,
      );
      return;
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
      default:
        message satisfies never;
    }
  }

  async #write(message: WriteMessage): Promise<void> {
    if (!this.#writeLimit.take()) {
      this.send({
        type: 'write-result',
        id: message.id,
        ok: false,
        code: 'RATE_LIMITED',
        message: `At most ${this.#host.options.maxWritesPerSecond} writes per second per connection; retry later.`,
      });
      return;
    }
    this.send(
      await this.#host.writes.write(message, { request: this.#request, readable: this.#allowed }),
    );
  }

  async #subscribe(message: SubscribeMessage): Promise<void> {
    const { sub: id, table: name } = message;
    if (this.#subs.has(id)) {
      return this.#error(
        'DUPLICATE_SUBSCRIPTION',
        `Subscription "${id}" already exists on this connection.`,
        id,
      );
    }
    if (this.#subs.size >= this.#host.options.maxSubscriptionsPerConnection) {
      return this.#error(
        'TOO_MANY_SUBSCRIPTIONS',
        `At most ${this.#host.options.maxSubscriptionsPerConnection} subscriptions per connection.`,
        id,
      );
    }
    const table = this.#host.table(name);
    if (table === undefined)
      return this.#error('UNKNOWN_TABLE', `No table "${name}" on this bridge.`, id);
    if (this.#allowed !== 'all' && !this.#allowed.has(name)) {
      return this.#error('FORBIDDEN', `This connection may not read table "${name}".`, id);
    }
    const sub: Subscription = {
      id,
      table: name,
      filter: message.filter,
      matches: keyMatcher(message.filter),
      live: false,
      position: undefined,
    };
    this.#subs.set(id, sub);
    this.#host.metrics.subscriptions++;

    const from = message.position;
    if (from !== undefined && from.topicId === table.topicId) {
      // I3: a client must never go back in time, so a bridge behind its position waits —
      // unless the position is past the end of the log itself: then the topic was truncated or
      // recreated under the same identity, and only a reset is right.
      if (!positionCovers(this.#positionOf(table), from) && (await this.#pastLogEnd(table, from))) {
        if (this.#subs.get(id) !== sub || this.#closed) return;
        this.#sendSnapshot(sub, table, undefined);
        sub.live = true;
        this.#host.join(name, this);
        return;
      }
      if (this.#subs.get(id) !== sub || this.#closed) return;
      if (!positionCovers(this.#positionOf(table), from)) {
        const reached = await table.waitForPosition(
          from.offsets,
          this.#host.options.behindTimeoutMs,
        );
        if (this.#subs.get(id) !== sub || this.#closed) return;
        if (!reached) {
          this.#unsubscribe(id, false);
          return this.#error(
            'OVERLOADED',
            `This bridge has not reached your position of table "${name}"; reconnect, ideally to another replica.`,
            id,
          );
        }
      }
      this.#sendSnapshot(sub, table, from);
    } else {
      this.#sendSnapshot(sub, table, undefined);
    }
    sub.live = true;
    this.#host.join(name, this);
  }

  /**
   * Sends a whole snapshot in one synchronous run, so no batch can be applied in the middle: the
   * frames describe the table at exactly one position.
   */
  #sendSnapshot(sub: Subscription, table: KafkaTable<unknown>, from: Position | undefined): void {
    const changes = from === undefined ? undefined : table.wireChangesSince(from.offsets);
    const mode = changes === undefined ? 'reset' : 'resume';
    this.send({ type: 'snapshot-begin', sub: sub.id, table: sub.table, mode });
    const size = this.#host.options.snapshotPartSize;
    let sets: string[] = [];
    const flush = (deletes: string[]) => {
      this.#sendFrame(snapshotPartFrame(sub.id, sets, deletes));
      sets = [];
    };
    const entries = changes === undefined ? table.wireEntries() : changes.sets;
    for (const entry of entries) {
      if (sub.matches !== undefined && !sub.matches(entry[0])) continue;
      sets.push(wireSetOf(entry));
      if (sets.length >= size) flush([]);
    }
    let deletes = changes?.deletes ?? [];
    if (sub.matches !== undefined) deletes = deletes.filter(sub.matches);
    if (sets.length > 0 || deletes.length > 0) flush(deletes);
    const position = this.#positionOf(table);
    sub.position = position;
    this.send({ type: 'snapshot-end', sub: sub.id, position, status: table.status });
  }

  async #pastLogEnd(table: KafkaTable<unknown>, from: Position): Promise<boolean> {
    try {
      const end = await table.endOffsets();
      return from.offsets.some((offset, partition) => offset > (end[partition] ?? 0));
    } catch {
      // Cannot tell (broker unreachable): wait as for a lagging replica.
      return false;
    }
  }

  #positionOf(table: KafkaTable<unknown>): Position {
    return tablePosition(table);
  }

  #unsubscribe(id: string, reply: boolean): void {
    const sub = this.#subs.get(id);
    if (sub !== undefined) {
      this.#subs.delete(id);
      this.#host.metrics.subscriptions--;
      if (![...this.#subs.values()].some((s) => s.table === sub.table))
        this.#host.leave(sub.table, this);
    }
    if (reply) this.send({ type: 'unsubscribed', sub: id });
  }

  /** A batch of a table this connection subscribes to was applied. */
  deliver(batch: BatchFrames): void {
    if (this.#stalledSince !== undefined) return;
    if (this.#socket.bufferedAmount > this.#host.options.slowClientBytes) {
      this.#stall();
      return;
    }
    let sharedSent = false;
    for (const sub of this.#subs.values()) {
      if (!sub.live || sub.table !== batch.table) continue;
      if (sub.matches === undefined) {
        if (!sharedSent) this.#sendFrame(batch.shared());
        sharedSent = true;
      } else {
        const frame = batch.filtered(sub.id, sub.matches);
        if (frame !== undefined) this.#sendFrame(frame);
      }
      sub.position = batch.position;
    }
  }

  /** The socket does not drain: stop queuing deltas and resume it by position once it does. */
  #stall(): void {
    this.#stalledSince = Date.now();
    this.#host.metrics.slowClientEvents++;
    const check = () => {
      if (this.#closed) return;
      if (this.#socket.bufferedAmount <= this.#host.options.slowClientBytes / 4) {
        this.#stalledSince = undefined;
        this.#drainTimer = undefined;
        for (const sub of this.#subs.values()) {
          const table = this.#host.table(sub.table);
          if (sub.live && table !== undefined) this.#sendSnapshot(sub, table, sub.position);
        }
        return;
      }
      if (Date.now() - (this.#stalledSince ?? 0) > this.#host.options.slowClientTimeoutMs) {
        this.#host.metrics.slowClientDisconnects++;
        this.#host.logger.warn('Closed a connection that stayed stalled.', {
          stalledMs: Date.now() - (this.#stalledSince ?? 0),
          bufferedBytes: this.#socket.bufferedAmount,
        });
        this.#socket.close(4008, 'too slow: the connection did not drain');
        return;
      }
      this.#drainTimer = this.#host.timers.setTimeout(check, 100);
    };
    this.#drainTimer = this.#host.timers.setTimeout(check, 100);
  }

  /**
   * A status change of a table this connection subscribes to. A stalled socket gets none: its
   * resume snapshot-end carries the status, and a `caught_up` ahead of the data it stands for
   * would break I4.
   */
  sendStatus(frame: string): void {
    if (this.#stalledSince !== undefined) return;
    this.#sendFrame(frame);
  }

  /** Forgets every subscription; the socket is closing or closed. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#drainTimer !== undefined) this.#host.timers.clearTimeout(this.#drainTimer);
    for (const id of [...this.#subs.keys()]) this.#unsubscribe(id, false);
  }
}
