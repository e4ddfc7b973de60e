import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type ArrowSchemaSpec, declaredColumns } from '../../../shared/src/arrow/arrow-columns.js';
import type { Logger, Timers } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import { validatePositiveInteger } from '../kafka-table-options.js';
import type { KafkaTableWriter } from '../kafka-table-writer.js';

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

/** What an `authorizeWrite` hook is asked about. `value` is absent for a delete. */
export interface WriteRequest {
  readonly table: string;
  readonly key: string;
  readonly delete: boolean;
  readonly value?: unknown;
}

export type AuthorizeWrite = (
  request: AuthorizeRequest,
  write: WriteRequest,
) => boolean | Promise<boolean>;

export interface BridgeOptions {
  /**
   * Table name (as clients ask for it) → a KafkaTable of any kind and value type (stream and
   * aggregate tables are KafkaTables too; the bridge reads only their wire text). The bridge
   * starts tables not yet started.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a table's listeners make KafkaTable<V> invariant in V, and the bridge serves tables of every V alike.
  readonly tables: Readonly<Record<string, KafkaTable<any>>>;
  readonly authorize?: (request: AuthorizeRequest) => Authorization | Promise<Authorization>;
  /** Browser origins allowed to connect; others get HTTP 403. Default: any. */
  readonly allowedOrigins?: readonly string[];
  /** Largest frame a client may send; larger ones close the socket with 1009. Default 65536. */
  readonly maxMessageBytes?: number;
  /** Default 100. */
  readonly maxSubscriptionsPerConnection?: number;
  /** Ping interval; a peer that misses a pong by the next ping is terminated. Default 30000. */
  readonly heartbeatIntervalMs?: number;
  /** Entries per snapshot-part frame. Default 1000; a part also stops at 1 MiB of keys and values. */
  readonly snapshotPartSize?: number;
  /** Past this many buffered bytes a socket stops getting deltas until it drains. Default 4 MiB. */
  readonly slowClientBytes?: number;
  /** A socket stalled this long is closed (4008). Default 60000. */
  readonly slowClientTimeoutMs?: number;
  /** How long a subscribe from a client ahead of this bridge waits for the table to get there. Default 30000. */
  readonly behindTimeoutMs?: number;
  /**
   * Columns of `GET /tables/:name?format=arrow` per table name: a column type for the value, or
   * field → type for object values. Tables without one get columns inferred from their values.
   */
  readonly arrowSchemas?: Readonly<Record<string, ArrowSchemaSpec>>;
  /**
   * Tables clients may write to (`handle.set` / `handle.delete`): table name → the writer of
   * that table's topic. The bridge starts writers that are not started. Default: none.
   */
  readonly writers?: Readonly<Record<string, KafkaTableWriter<unknown>>>;
  /**
   * Decides each write, after the value passed the table's codec. Default: a connection may
   * write every writable table it may read.
   */
  readonly authorizeWrite?: AuthorizeWrite;
  /** Writes per second per connection (bursts up to twice as many). Default 20. */
  readonly maxWritesPerSecond?: number;
  /** How long a write waits for Kafka's acknowledgement before answering TIMEOUT. Default 10000. */
  readonly writeTimeoutMs?: number;
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

/** The bridge's numeric limits and their defaults: also what a `tablecast serve` config may set. */
export const BRIDGE_LIMIT_DEFAULTS = {
  maxMessageBytes: 65_536,
  maxSubscriptionsPerConnection: 100,
  heartbeatIntervalMs: 30_000,
  snapshotPartSize: 1_000,
  slowClientBytes: 4 * 1024 * 1024,
  slowClientTimeoutMs: 60_000,
  behindTimeoutMs: 30_000,
  maxWritesPerSecond: 20,
  writeTimeoutMs: 10_000,
  controlMessageBurst: 200,
  maxConnections: 10_000,
  goawaySpreadMs: 5_000,
} as const satisfies Partial<Record<keyof BridgeOptions, number>>;

export type BridgeLimit = keyof typeof BRIDGE_LIMIT_DEFAULTS;

export const BRIDGE_LIMITS = Object.keys(BRIDGE_LIMIT_DEFAULTS) as readonly BridgeLimit[];

type Optional =
  | 'authorize'
  | 'authorizeWrite'
  | 'allowedOrigins'
  | 'arrowSchemas'
  | 'logger'
  | 'timers'
  | 'maxConnectionsPerAddress'
  | 'reauthorizeIntervalMs'
  | 'authorizeOps'
  | 'opsToken';

export interface ResolvedBridgeOptions extends Required<Omit<BridgeOptions, Optional>> {
  readonly authorize: BridgeOptions['authorize'];
  readonly authorizeWrite: BridgeOptions['authorizeWrite'];
  readonly arrowSchemas: BridgeOptions['arrowSchemas'];
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
  for (const name of Object.keys(options.writers ?? {})) {
    if (!names.includes(name)) {
      throw new TypeError(
        `writers.${name} has no table of that name; a writable table is served too.`,
      );
    }
  }
  if (options.authorizeWrite !== undefined && typeof options.authorizeWrite !== 'function') {
    throw new TypeError('authorizeWrite must be a function.');
  }
  const resolved = {
    tables: options.tables,
    writers: options.writers ?? {},
    maxWritesPerSecond: options.maxWritesPerSecond ?? BRIDGE_LIMIT_DEFAULTS.maxWritesPerSecond,
    writeTimeoutMs: options.writeTimeoutMs ?? BRIDGE_LIMIT_DEFAULTS.writeTimeoutMs,
    maxMessageBytes: options.maxMessageBytes ?? BRIDGE_LIMIT_DEFAULTS.maxMessageBytes,
    maxSubscriptionsPerConnection:
      options.maxSubscriptionsPerConnection ?? BRIDGE_LIMIT_DEFAULTS.maxSubscriptionsPerConnection,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? BRIDGE_LIMIT_DEFAULTS.heartbeatIntervalMs,
    snapshotPartSize: options.snapshotPartSize ?? BRIDGE_LIMIT_DEFAULTS.snapshotPartSize,
    slowClientBytes: options.slowClientBytes ?? BRIDGE_LIMIT_DEFAULTS.slowClientBytes,
    slowClientTimeoutMs: options.slowClientTimeoutMs ?? BRIDGE_LIMIT_DEFAULTS.slowClientTimeoutMs,
    behindTimeoutMs: options.behindTimeoutMs ?? BRIDGE_LIMIT_DEFAULTS.behindTimeoutMs,
    controlMessageBurst: options.controlMessageBurst ?? BRIDGE_LIMIT_DEFAULTS.controlMessageBurst,
    maxConnections: options.maxConnections ?? BRIDGE_LIMIT_DEFAULTS.maxConnections,
    goawaySpreadMs: options.goawaySpreadMs ?? BRIDGE_LIMIT_DEFAULTS.goawaySpreadMs,
    bridgeId: options.bridgeId ?? Math.random().toString(36).slice(2, 10),
  };
  for (const key of BRIDGE_LIMITS) validatePositiveInteger(key, resolved[key]);
  for (const key of ['maxConnectionsPerAddress', 'reauthorizeIntervalMs'] as const) {
    if (options[key] !== undefined) validatePositiveInteger(key, options[key]);
  }
  for (const [name, spec] of Object.entries(options.arrowSchemas ?? {})) {
    if (!names.includes(name))
      throw new TypeError(`arrowSchemas names "${name}", which is not a table.`);
    declaredColumns(spec);
  }
  const opsToken = options.opsToken;
  return {
    ...resolved,
    controlMessagesPerSecond: rate,
    revealForbiddenTables: options.revealForbiddenTables === true,
    random: options.random ?? Math.random,
    authorize: options.authorize,
    authorizeWrite: options.authorizeWrite,
    allowedOrigins: options.allowedOrigins,
    arrowSchemas: options.arrowSchemas,
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
