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
 * subscribing to another one gets a FORBIDDEN error on an open connection.
 */
export type Authorization = boolean | { readonly tables: readonly string[] };

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
} as const satisfies Partial<Record<keyof BridgeOptions, number>>;

export type BridgeLimit = keyof typeof BRIDGE_LIMIT_DEFAULTS;

export const BRIDGE_LIMITS = Object.keys(BRIDGE_LIMIT_DEFAULTS) as readonly BridgeLimit[];

export interface ResolvedBridgeOptions
  extends Required<
    Omit<
      BridgeOptions,
      'authorize' | 'authorizeWrite' | 'allowedOrigins' | 'arrowSchemas' | 'logger' | 'timers'
    >
  > {
  readonly authorize: BridgeOptions['authorize'];
  readonly authorizeWrite: BridgeOptions['authorizeWrite'];
  readonly arrowSchemas: BridgeOptions['arrowSchemas'];
  readonly allowedOrigins: readonly string[] | undefined;
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
  if (options.authorize !== undefined && typeof options.authorize !== 'function') {
    throw new TypeError('authorize must be a function.');
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
    bridgeId: options.bridgeId ?? Math.random().toString(36).slice(2, 10),
  };
  for (const key of BRIDGE_LIMITS) validatePositiveInteger(key, resolved[key]);
  for (const [name, spec] of Object.entries(options.arrowSchemas ?? {})) {
    if (!names.includes(name))
      throw new TypeError(`arrowSchemas names "${name}", which is not a table.`);
    declaredColumns(spec);
  }
  return {
    ...resolved,
    authorize: options.authorize,
    authorizeWrite: options.authorizeWrite,
    allowedOrigins: options.allowedOrigins,
    arrowSchemas: options.arrowSchemas,
  };
}
