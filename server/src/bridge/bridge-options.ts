import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger, Timers } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import { validatePositiveInteger } from '../kafka-table-options.js';

/** What an `authorize` hook sees of a WebSocket upgrade or an HTTP read. */
export interface AuthorizeRequest {
  readonly headers: IncomingHttpHeaders;
  readonly url: URL;
  /** Parsed from the Cookie header. */
  readonly cookies: Readonly<Record<string, string>>;
  readonly origin: string | undefined;
  readonly remoteAddress: string | undefined;
}

/**
 * `false`: refuse the connection (HTTP 401). `true`: every table. `{ tables }`: only these;
 * subscribing to another one is answered as for a table that does not exist (UNKNOWN_TABLE),
 * unless `revealForbiddenTables`. `session` is the application's own data about the caller
 * (a user id, a token id), handed to `bridge.revoke`'s predicate.
 */
export type Authorization =
  | boolean
  | { readonly tables?: readonly string[] | undefined; readonly session?: unknown };

/** What `bridge.revoke` sees of an open session. */
export interface SessionInfo {
  /** The upgrade request the session was authorized with. */
  readonly request: AuthorizeRequest;
  /** `session` from the last `authorize` decision, if it gave one. */
  readonly session: unknown;
  /** The tables it may read: 'all' or a set. */
  readonly tables: ReadonlySet<string> | 'all';
}

export interface BridgeOptions {
  /** Table name (as clients ask for it) → a KafkaTable. The bridge starts tables not yet started. */
  readonly tables: Readonly<Record<string, KafkaTable<unknown>>>;
  readonly authorize?: (request: AuthorizeRequest) => Authorization | Promise<Authorization>;
  /** Browser origins allowed to connect; others get HTTP 403. Default: any. */
  readonly allowedOrigins?: readonly string[];
  /** Largest frame a client may send; larger ones close the socket with 1009. Default 65536. */
  readonly maxMessageBytes?: number;
  /** Default 100. */
  readonly maxSubscriptionsPerConnection?: number;
  /** Ping interval; a peer that misses a pong by the next ping is terminated. Default 30000. */
  readonly heartbeatIntervalMs?: number;
  /** Entries per snapshot-part frame. Default 1000. */
  readonly snapshotPartSize?: number;
  /** Past this many buffered bytes a socket stops getting deltas until it drains. Default 4 MiB. */
  readonly slowClientBytes?: number;
  /** A socket stalled this long is closed (4008). Default 60000. */
  readonly slowClientTimeoutMs?: number;
  /** How long a subscribe from a client ahead of this bridge waits for the table to get there. Default 30000. */
  readonly behindTimeoutMs?: number;
  /**
   * Client messages a socket may send per second on average (token bucket), and in a burst.
   * Over it a message gets `error RATE_LIMITED`; past `controlMessageBurst` refusals in a row
   * the socket is closed with 4429. Defaults 50 and 200.
   */
  readonly controlMessagesPerSecond?: number;
  readonly controlMessageBurst?: number;
  /** Open WebSockets in all; upgrades past it get HTTP 503. Default 10000. */
  readonly maxConnections?: number;
  /** Open WebSockets per remote address; upgrades past it get HTTP 429. Default: no limit. */
  readonly maxConnectionsPerAddress?: number;
  /**
   * Calls `authorize` again for every open socket this often, with its upgrade request: a
   * refused session is closed with 4403, a table no longer allowed ends its subscriptions with
   * FORBIDDEN. Default: never.
   */
  readonly reauthorizeIntervalMs?: number;
  /**
   * Who may read `/metrics` and the per-table detail of `/readyz`. With it, `/metrics` answers
   * 401 to others and `/readyz` tells them only whether the bridge is ready. Without it, both
   * show a caller only the tables `authorize` lets it read (every table without `authorize`).
   */
  readonly authorizeOps?: (request: AuthorizeRequest) => boolean | Promise<boolean>;
  /** Shorthand for `authorizeOps`: the bearer token (`Authorization: Bearer …`) ops use. */
  readonly opsToken?: string;
  /**
   * Answer a subscribe or read of a table the caller may not read with FORBIDDEN / HTTP 403
   * instead of as an unknown table. Off by default: the difference tells a caller which table
   * names exist.
   */
  readonly revealForbiddenTables?: boolean;
  /**
   * `close()` sends each client a `goaway` with a `retryAfterMs` drawn uniformly from
   * [0, goawaySpreadMs), so the clients of a bridge do not all arrive at the others at once.
   * Default 5000.
   */
  readonly goawaySpreadMs?: number;
  /** Randomness for the goaway spread, injectable for tests. Default Math.random. */
  readonly random?: () => number;
  /** Sent in `welcome` and metrics; default a random id. */
  readonly bridgeId?: string;
  readonly logger?: Logger;
  readonly timers?: Timers;
}

type Optional =
  | 'authorize'
  | 'allowedOrigins'
  | 'logger'
  | 'timers'
  | 'maxConnectionsPerAddress'
  | 'reauthorizeIntervalMs'
  | 'authorizeOps'
  | 'opsToken';

export interface ResolvedBridgeOptions extends Required<Omit<BridgeOptions, Optional>> {
  readonly authorize: BridgeOptions['authorize'];
  readonly allowedOrigins: readonly string[] | undefined;
  readonly maxConnectionsPerAddress: number | undefined;
  readonly reauthorizeIntervalMs: number | undefined;
  readonly authorizeOps: BridgeOptions['authorizeOps'];
}

export function resolveBridgeOptions(options: BridgeOptions): ResolvedBridgeOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createBridge needs an options object with tables.');
  }
  const names = Object.keys(options.tables ?? {});
  if (names.length === 0) throw new TypeError('createBridge needs at least one table in `tables`.');
  for (const name of names) {
    if (!/^[A-Za-z0-9._-]{1,256}$/.test(name)) {
      throw new TypeError(`Table name ${JSON.stringify(name)} must be 1-256 of A-Z a-z 0-9 . _ -.`);
    }
  }
  for (const hook of ['authorize', 'authorizeOps', 'random'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new TypeError(`${hook} must be a function.`);
    }
  }
  if (options.authorizeOps !== undefined && options.opsToken !== undefined) {
    throw new TypeError('Pass either authorizeOps or opsToken, not both.');
  }
  if (
    options.opsToken !== undefined &&
    (typeof options.opsToken !== 'string' || options.opsToken.length < 16)
  ) {
    throw new TypeError('opsToken must be a string of at least 16 characters.');
  }
  if (options.reauthorizeIntervalMs !== undefined && options.authorize === undefined) {
    throw new TypeError('reauthorizeIntervalMs needs an authorize hook to call.');
  }
  const rate = options.controlMessagesPerSecond ?? 50;
  if (!(typeof rate === 'number' && rate > 0 && Number.isFinite(rate))) {
    throw new RangeError(
      `controlMessagesPerSecond must be a positive number, got ${String(rate)}.`,
    );
  }
  const resolved = {
    tables: options.tables,
    maxMessageBytes: options.maxMessageBytes ?? 65_536,
    maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection ?? 100,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30_000,
    snapshotPartSize: options.snapshotPartSize ?? 1_000,
    slowClientBytes: options.slowClientBytes ?? 4 * 1024 * 1024,
    slowClientTimeoutMs: options.slowClientTimeoutMs ?? 60_000,
    behindTimeoutMs: options.behindTimeoutMs ?? 30_000,
    controlMessageBurst: options.controlMessageBurst ?? 200,
    maxConnections: options.maxConnections ?? 10_000,
    goawaySpreadMs: options.goawaySpreadMs ?? 5_000,
    bridgeId: options.bridgeId ?? Math.random().toString(36).slice(2, 10),
  };
  for (const key of [
    'maxMessageBytes',
    'maxSubscriptionsPerConnection',
    'heartbeatIntervalMs',
    'snapshotPartSize',
    'slowClientBytes',
    'slowClientTimeoutMs',
    'behindTimeoutMs',
    'controlMessageBurst',
    'maxConnections',
    'goawaySpreadMs',
  ] as const) {
    validatePositiveInteger(key, resolved[key]);
  }
  for (const key of ['maxConnectionsPerAddress', 'reauthorizeIntervalMs'] as const) {
    if (options[key] !== undefined) validatePositiveInteger(key, options[key]);
  }
  const opsToken = options.opsToken;
  return {
    ...resolved,
    controlMessagesPerSecond: rate,
    revealForbiddenTables: options.revealForbiddenTables === true,
    random: options.random ?? Math.random,
    authorize: options.authorize,
    allowedOrigins: options.allowedOrigins,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress,
    reauthorizeIntervalMs: options.reauthorizeIntervalMs,
    authorizeOps:
      options.authorizeOps ??
      (opsToken === undefined ? undefined : (request) => bearerMatches(request, opsToken)),
  };
}

/** Constant-time comparison of the request's bearer token with `token`. */
function bearerMatches(request: AuthorizeRequest, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
