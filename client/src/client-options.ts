import { globalTimers, type Timers } from '../../shared/src/timers.js';
import { defaultWebSocket } from './default-websocket.js';
import type { TablecastClientError } from './errors.js';
import type { SnapshotSource } from './snapshot-source.js';
import type { TableCache } from './table-cache.js';
import { documentVisibility, type VisibilitySource } from './visibility.js';
import type { WebSocketLikeConstructor } from './websocket-like.js';
import { jsonValues, type WireValues } from './wire-values.js';

/** Reconnection delays. Every field is optional; defaults are listed on each. */
export interface BackoffOptions {
  /** First retry waits up to this long (full jitter). Default 250. */
  readonly initialDelayMs?: number;
  /** No retry waits longer than this. Default 30_000. */
  readonly maxDelayMs?: number;
  /** A socket open this long counts as healthy: the next failure starts from attempt 0. Default 10_000. */
  readonly healthyAfterMs?: number;
  /** Wait after the bridge refused the credentials, so a bad token doesn't hammer it. Default 30_000. */
  readonly authDelayMs?: number;
}

/** The timer functions the client uses, injectable for tests and unusual runtimes. */
export type TimerFunctions = Timers;

export interface ClientOptions {
  /** The bridge's WebSocket URL, or a function resolving it on every (re)connect (e.g. to pick a replica). */
  readonly url: string | (() => string | Promise<string>);
  /**
   * The WebSocket constructor. Default: the runtime's (`globalThis.WebSocket`); in Node, where
   * `tablecast/client` resolves to its Node build, the runtime's (Node 22+) or else `ws`'s, and
   * `ws`'s whenever `headers` is set.
   */
  readonly WebSocket?: WebSocketLikeConstructor;
  /**
   * Re-evaluated on every (re)connect and sent as the `token` query parameter, because browsers
   * cannot set headers on a WebSocket upgrade. Returning undefined sends no token.
   */
  readonly token?: () => string | undefined | Promise<string | undefined>;
  /**
   * Re-evaluated on every (re)connect and passed as `{ headers }`, the third constructor
   * argument. Only Node's `ws` understands it: browsers, Deno and workers ignore it.
   */
  readonly headers?: () => Record<string, string> | Promise<Record<string, string>>;
  readonly backoff?: BackoffOptions;
  /** Default `globalThis.setTimeout` / `clearTimeout`. */
  readonly timers?: TimerFunctions;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /** Every error the client handles on its own (reconnects, resyncs, throwing listeners) lands here. */
  readonly onError?: (error: TablecastClientError) => void;
  /** Default true: the socket opens on the first `table()`. False opens it at construction. */
  readonly lazy?: boolean;
  /**
   * Opt-in persistence (`indexedDbCache()`, `storageCache(localStorage)`, `memoryCache()`): each
   * table's map and position are saved, and a new handle paints from them at once (status stays
   * `loading` until the bridge confirms) and resumes from the saved position.
   */
  readonly cache?: TableCache;
  /** A table's cache entry is saved at most this often while it changes. Default 1000. */
  readonly cacheSaveIntervalMs?: number;
  /** How long the first subscribe waits for an asynchronous cache load. Default 250. */
  readonly cacheLoadTimeoutMs?: number;
  /**
   * Unsubscribe every table while the page is hidden for longer than `hiddenGraceMs`, keeping
   * data and positions, and resume from them when it is visible again. Default true when a
   * visibility source exists (`document.visibilityState`, or `visibility`), false otherwise.
   */
  readonly pauseWhenHidden?: boolean;
  /** How long the page may be hidden before the tables pause. Default 5000. */
  readonly hiddenGraceMs?: number;
  /** Where visibility comes from. Default `document.visibilityState` when there is a document. */
  readonly visibility?: VisibilitySource;
  /**
   * How wire values become values. Default `jsonValues`: plain JSON only, and a table holding a
   * value that needs superjson fails with `UNSUPPORTED_VALUE` (never shows a wrong value). Pass
   * `superjsonValues` from `tablecast/superjson` for Date, Map, Set, BigInt and friends.
   */
  readonly wireValues?: WireValues;
  /**
   * The largest frame accepted from the bridge, in bytes. A larger one closes the socket with a
   * `MESSAGE_TOO_LARGE` error and reconnects with backoff. Passed to `ws` as `maxPayload`; in
   * browsers a text frame is measured in UTF-16 code units (never more than its UTF-8 bytes)
   * before it is parsed. Default 64 MiB: one frame holds one delta or snapshot part, and a
   * single large value must still fit. Keep it above 1 MiB plus the largest entry: the bridge
   * ends a snapshot part at the entry that takes it past 1 MiB of text, and a delta too large
   * for the client is caught up through such parts after a reconnect.
   */
  readonly maxMessageBytes?: number;
  /**
   * How long after the socket opens the bridge's `welcome` may take. Past it the socket is
   * treated as lost (reconnect with backoff). Default 10_000.
   */
  readonly welcomeTimeoutMs?: number;
  /**
   * Where a new table's first snapshot comes from instead of the socket: `httpSnapshots()` from
   * `tablecast/http` loads it over HTTP while the socket connects, and the socket then brings only
   * what changed since (a resume). For unfiltered handles with nothing painted yet (no bootstrap,
   * no cached copy). On any failure the table loads over the socket, with one `HTTP_SNAPSHOT`
   * error, and later tables do too. Default: none (everything over the socket).
   */
  readonly snapshotSource?: SnapshotSource;
}

export interface ResolvedClientOptions {
  readonly url: () => string | Promise<string>;
  readonly WebSocket: WebSocketLikeConstructor;
  readonly token: (() => string | undefined | Promise<string | undefined>) | undefined;
  readonly headers: (() => Record<string, string> | Promise<Record<string, string>>) | undefined;
  readonly backoff: Required<BackoffOptions>;
  readonly timers: TimerFunctions;
  readonly random: () => number;
  readonly onError: (error: TablecastClientError) => void;
  readonly lazy: boolean;
  readonly cache: TableCache | undefined;
  readonly cacheSaveIntervalMs: number;
  readonly cacheLoadTimeoutMs: number;
  readonly pauseWhenHidden: boolean;
  readonly hiddenGraceMs: number;
  /** Undefined when neither pausing nor the cache needs it, or there is none. */
  readonly visibility: VisibilitySource | undefined;
  readonly wireValues: WireValues;
  readonly maxMessageBytes: number;
  readonly welcomeTimeoutMs: number;
  readonly snapshotSource: SnapshotSource | undefined;
}

const defaultBackoff: Required<BackoffOptions> = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  healthyAfterMs: 10_000,
  authDelayMs: 30_000,
};

/** Validates and fills in defaults, so that mistakes fail at construction, not on first reconnect. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createClient: options must be an object with at least `url`');
  }
  const { url } = options;
  if (typeof url === 'string') {
    if (url === '') throw new TypeError('createClient: `url` must not be empty');
  } else if (typeof url !== 'function') {
    throw new TypeError('createClient: `url` must be a string or a function returning one');
  }
  const WebSocket = options.WebSocket ?? defaultWebSocket();
  if (typeof WebSocket !== 'function') {
    throw new TypeError(
      'createClient: this runtime has no WebSocket. Pass `WebSocket` (e.g. `import { WebSocket } from "ws"`).',
    );
  }
  for (const name of ['token', 'headers', 'random', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`createClient: \`${name}\` must be a function`);
    }
  }
  if (options.lazy !== undefined && typeof options.lazy !== 'boolean') {
    throw new TypeError('createClient: `lazy` must be a boolean');
  }
  const backoff = { ...defaultBackoff };
  for (const [name, value] of Object.entries(options.backoff ?? {})) {
    if (!(name in defaultBackoff))
      throw new TypeError(`createClient: unknown backoff option \`${name}\``);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`createClient: backoff.${name} must be a finite number >= 0`);
    }
    backoff[name as keyof BackoffOptions] = value;
  }
  if (backoff.initialDelayMs > backoff.maxDelayMs) {
    throw new RangeError('createClient: backoff.initialDelayMs must not exceed backoff.maxDelayMs');
  }
  const timers = options.timers ?? globalTimers;
  if (typeof timers.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
    throw new TypeError('createClient: `timers` needs both setTimeout and clearTimeout');
  }
  const { cache, visibility: injected } = options;
  if (
    cache !== undefined &&
    (typeof cache !== 'object' ||
      cache === null ||
      typeof cache.load !== 'function' ||
      typeof cache.save !== 'function' ||
      (cache.delete !== undefined && typeof cache.delete !== 'function'))
  ) {
    throw new TypeError('createClient: `cache` needs load and save functions (delete optional)');
  }
  if (
    injected !== undefined &&
    (typeof injected?.hidden !== 'function' || typeof injected.onChange !== 'function')
  ) {
    throw new TypeError('createClient: `visibility` needs hidden() and onChange()');
  }
  if (options.pauseWhenHidden !== undefined && typeof options.pauseWhenHidden !== 'boolean') {
    throw new TypeError('createClient: `pauseWhenHidden` must be a boolean');
  }
  const { wireValues = jsonValues } = options;
  if (typeof wireValues?.fromWire !== 'function' || typeof wireValues.toWire !== 'function') {
    throw new TypeError('createClient: `wireValues` needs fromWire and toWire');
  }
  const maxMessageBytes = nonNegative(options, 'maxMessageBytes', 64 * 1024 * 1024);
  if (maxMessageBytes < 1) throw new RangeError('createClient: `maxMessageBytes` must be >= 1');
  const { snapshotSource } = options;
  if (snapshotSource !== undefined && typeof snapshotSource !== 'function') {
    throw new TypeError('createClient: `snapshotSource` must be a function, e.g. httpSnapshots()');
  }
  const source = injected ?? documentVisibility();
  const pauseWhenHidden = options.pauseWhenHidden ?? source !== undefined;
  return {
    url: typeof url === 'string' ? () => url : url,
    WebSocket,
    token: options.token,
    headers: options.headers,
    backoff,
    timers,
    random: options.random ?? Math.random,
    onError: options.onError ?? (() => {}),
    lazy: options.lazy ?? true,
    cache,
    cacheSaveIntervalMs: nonNegative(options, 'cacheSaveIntervalMs', 1_000),
    cacheLoadTimeoutMs: nonNegative(options, 'cacheLoadTimeoutMs', 250),
    pauseWhenHidden,
    hiddenGraceMs: nonNegative(options, 'hiddenGraceMs', 5_000),
    // Also for the cache alone: hiding is the last reliable moment to save on mobile.
    visibility: pauseWhenHidden || cache !== undefined ? source : undefined,
    wireValues,
    maxMessageBytes,
    welcomeTimeoutMs: nonNegative(options, 'welcomeTimeoutMs', 10_000),
    snapshotSource,
  };
}

function nonNegative(
  options: ClientOptions,
  name:
    | 'cacheSaveIntervalMs'
    | 'cacheLoadTimeoutMs'
    | 'hiddenGraceMs'
    | 'maxMessageBytes'
    | 'welcomeTimeoutMs',
  fallback: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`createClient: \`${name}\` must be a finite number >= 0`);
  }
  return value;
}
