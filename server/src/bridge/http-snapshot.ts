import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_SNAPSHOT_SUB } from '../../../shared/src/protocol/index.js';
import type { Logger, Timers } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import type { BridgeMetrics } from './bridge-metrics.js';
import type { ResolvedBridgeOptions } from './bridge-options.js';
import type { ConnectionCaps } from './connection-caps.js';
import { send } from './json-response.js';
import type { SliceScheduler, SliceTask } from './slice-scheduler.js';
import { SnapshotProducer, type Subscription } from './snapshot-producer.js';

/** What an HTTP snapshot needs from its bridge. */
export interface HttpSnapshotHost {
  readonly scheduler: SliceScheduler;
  readonly metrics: BridgeMetrics;
  readonly timers: Timers;
  readonly logger: Logger;
  /**
   * `snapshotPartSize`; `slowClientBytes`: the response's own buffer holds up to half of it,
   * like a socket's snapshot parts; `slowClientTimeoutMs`: a response that does not drain for
   * that long is cut.
   */
  readonly options: Pick<
    ResolvedBridgeOptions,
    'snapshotPartSize' | 'slowClientBytes' | 'slowClientTimeoutMs'
  >;
}

/**
 * Answers `GET /tables/:name?format=snapshot` for a caller allowed to read `table`. The snapshot
 * holds a connection slot in `caps` while it streams, like a socket.
 */
export function serveHttpSnapshot(
  request: IncomingMessage,
  response: ServerResponse,
  name: string,
  table: KafkaTable<unknown>,
  host: HttpSnapshotHost,
  caps: ConnectionCaps,
  closing: boolean,
): void {
  if (closing) {
    send(response, 503, { error: 'The bridge is shutting down.' });
    return;
  }
  const address = request.socket.remoteAddress ?? '';
  const refusal = caps.reserve(address);
  if (refusal !== undefined) {
    host.metrics.refusedConnections++;
    send(response, refusal.status, { error: refusal.reason });
    return;
  }
  response.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  if (request.method === 'HEAD') {
    caps.release(address);
    response.end();
    return;
  }
  const snapshot = new HttpSnapshot(response, name, table, host, () => caps.release(address));
  host.scheduler.add(snapshot);
}

/**
 * `GET /tables/:name?format=snapshot`: the messages a subscription without a position would get
 * over a socket, from `snapshot-begin` to `snapshot-end`, one per line of the body.
 *
 * It is the socket's snapshot, produced by the same `SnapshotProducer` from a view of the live
 * table (so one position, each key once, restarted when the table outruns the reader), run by
 * the same scheduler a slice at a time while the response has room. A browser receives an HTTP
 * body through its network pipe about twice as fast as the same bytes as WebSocket messages
 * (docs/BENCHMARKS.md), which is why the client can load a big table's first snapshot this way
 * and then subscribe over its socket from `snapshot-end.position`.
 */
export class HttpSnapshot implements SliceTask {
  readonly #response: ServerResponse;
  readonly #host: HttpSnapshotHost;
  readonly #producer: SnapshotProducer;
  readonly #onClose: () => void;
  #stallTimer: unknown;
  #closed = false;

  constructor(
    response: ServerResponse,
    name: string,
    table: KafkaTable<unknown>,
    host: HttpSnapshotHost,
    onClose: () => void,
  ) {
    this.#response = response;
    this.#host = host;
    this.#onClose = onClose;
    const sub: Subscription = {
      id: HTTP_SNAPSHOT_SUB,
      table: name,
      filterKey: '',
      matches: undefined,
      state: 'queued',
      position: undefined,
      told: undefined,
    };
    this.#producer = new SnapshotProducer(
      {
        table: () => table,
        sendFrame: (frame) => this.#write(frame),
        ended: () => this.#response.end(),
      },
      host.options.snapshotPartSize,
      () => {},
    );
    this.#producer.enqueue(sub);
    // 'close' follows both the end of the body and a reader that went away (or was cut).
    response.once('close', () => this.#dispose());
    host.metrics.httpSnapshots++;
  }

  /** SliceTask: one part (plus begin or end) while the response has room. */
  runSlice(): boolean {
    if (this.#closed || !this.#producer.pending) return false;
    // Full only once a write was refused, too: 'drain' comes only after one was.
    const response = this.#response;
    if (
      response.writableNeedDrain &&
      response.writableLength >= this.#host.options.slowClientBytes / 2
    ) {
      this.#awaitDrain();
      return false;
    }
    const restarts = this.#producer.restarts;
    try {
      this.#producer.slice();
    } catch (error) {
      // Headers are out: a body cut before its snapshot-end is how the reader learns (§19).
      this.#host.logger.error('An HTTP snapshot could not be encoded; cutting the response.', {
        error: String(error),
      });
      this.#response.destroy();
      return false;
    }
    this.#host.metrics.snapshotRestarts += this.#producer.restarts - restarts;
    return !this.#closed && this.#producer.pending;
  }

  #write(frame: string): void {
    if (this.#closed) return;
    const line = `${frame}\n`;
    this.#response.write(line);
    this.#host.metrics.httpSnapshotBytes += Buffer.byteLength(line);
  }

  #awaitDrain(): void {
    if (this.#stallTimer !== undefined) return;
    const wake = () => {
      this.#clearStall();
      if (!this.#closed) this.#host.scheduler.add(this);
    };
    this.#response.once('drain', wake);
    this.#stallTimer = this.#host.timers.setTimeout(() => {
      this.#stallTimer = undefined;
      this.#response.off('drain', wake);
      this.#host.metrics.slowClientDisconnects++;
      this.#host.logger.warn('Cut an HTTP snapshot whose reader stayed stalled.', {
        stalledMs: this.#host.options.slowClientTimeoutMs,
        bufferedBytes: this.#response.writableLength,
      });
      this.#response.destroy();
    }, this.#host.options.slowClientTimeoutMs);
  }

  #clearStall(): void {
    if (this.#stallTimer === undefined) return;
    this.#host.timers.clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearStall();
    this.#producer.dispose();
    this.#host.scheduler.delete(this);
    this.#host.metrics.httpSnapshots--;
    this.#onClose();
  }
}
