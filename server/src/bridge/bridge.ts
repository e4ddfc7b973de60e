import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BridgeMetrics } from './bridge-metrics.js';
import type { SessionInfo } from './bridge-options.js';

/** A bridge made by `createBridge`: serves tables over WebSocket and HTTP. */
export interface Bridge {
  /**
   * Starts the tables that are not started yet and listens. Resolves with the bound address.
   * `backlog` (default 4096, capped by the kernel's somaxconn) is the queue of connections not
   * yet accepted: when a whole office opens a dashboard at once, a short queue drops SYNs and
   * the browsers retry after 1, 3, 7 s.
   */
  listen(options?: {
    port?: number;
    host?: string;
    backlog?: number;
  }): Promise<{ port: number; host: string; url: string }>;
  /** Resolves once every table's start() settled (caught up, degraded or failed). */
  ready(): Promise<void>;
  /**
   * Tells clients to go elsewhere (a `goaway` whose `retryAfterMs` is spread over
   * `goawaySpreadMs`), closes every socket and the server; sockets that do not finish the
   * closing handshake within `graceMs` (default 1000) are cut. Idempotent.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /**
   * Closes every open session the predicate picks (error FORBIDDEN, then close 4403), e.g. all
   * sessions of a user whose token was revoked. Returns how many were closed.
   */
  revoke(predicate: (session: SessionInfo) => boolean): number;
  readonly metrics: BridgeMetrics;
  /** Handle an upgrade from your own HTTP server instead of listen(). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Handle a request from your own HTTP server: /healthz, /readyz, /metrics, /tables/... */
  handleRequest(request: IncomingMessage, response: ServerResponse): void;
  [Symbol.asyncDispose](): Promise<void>;
}
