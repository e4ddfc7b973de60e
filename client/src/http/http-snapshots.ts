import type { SnapshotSource } from '../snapshot-source.js';
import { readSnapshotBody } from './snapshot-body.js';

export interface HttpSnapshotsOptions {
  /**
   * Where the bridge serves HTTP, e.g. behind a path prefix (`https://example.com/bridge`).
   * Default: the socket URL's host, with http for ws and https for wss.
   */
  readonly url?: string;
  /** Default: the runtime's (`globalThis.fetch`), looked up on each load. */
  readonly fetch?: typeof fetch;
}

/**
 * A `snapshotSource` for `createClient` that loads each new table's first snapshot with
 * `GET /tables/:name?format=snapshot` (PROTOCOL.md §19) while the socket connects. Browsers
 * receive a response body about twice as fast as the same bytes as WebSocket messages, which is
 * most of a big table's first load (docs/BENCHMARKS.md).
 *
 * The request carries what the socket's upgrade does: the socket URL's query and `token`, and
 * `headers` where fetch sends them; cookies too (`credentials: 'include'`). A page on another
 * origin needs the bridge to allow that origin (`allowedOrigins`; any by default).
 */
export function httpSnapshots(options: HttpSnapshotsOptions = {}): SnapshotSource {
  const { url: base, fetch: fetchFunction } = options;
  if (base !== undefined && (typeof base !== 'string' || base === '')) {
    throw new TypeError('httpSnapshots: `url` must be a non-empty string');
  }
  if (fetchFunction !== undefined && typeof fetchFunction !== 'function') {
    throw new TypeError('httpSnapshots: `fetch` must be a function');
  }
  return async (request) => {
    const { table, target, values, signal, progress, maxMessageBytes } = request;
    const [socketUrl, token, headers] = target;
    const url = snapshotUrl(socketUrl, base, table, token);
    const response = await (fetchFunction ?? globalThis.fetch)(url, {
      signal,
      credentials: 'include',
      cache: 'no-store',
      ...(headers === undefined ? {} : { headers }),
    });
    if (!response.ok || response.body === null) {
      void response.body?.cancel().catch(() => {});
      throw new Error(`GET ${url} answered HTTP ${response.status}`);
    }
    return readSnapshotBody(response.body, table, values, progress, maxMessageBytes);
  };
}

/**
 * The snapshot URL for `table`: `base` (default: the socket URL with http(s) for ws(s) and no
 * path) with `/tables/<name>` appended to its path, the socket URL's query (what `authorize`
 * reads), `format=snapshot` and the token.
 */
export function snapshotUrl(
  socketUrl: unknown,
  base: string | undefined,
  table: string,
  token: string | undefined,
): string {
  if (typeof socketUrl !== 'string' || socketUrl === '') {
    throw new TypeError('url() returned no URL');
  }
  // Relative URLs are relative to the page, as the browser's WebSocket takes them.
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const socket = new URL(socketUrl, page);
  const url = new URL(base ?? socket.href, page);
  if (base === undefined) {
    // A relative socket URL resolved against the page is http(s) already.
    url.protocol = socket.protocol === 'wss:' || socket.protocol === 'https:' ? 'https:' : 'http:';
    url.pathname = '';
  }
  url.pathname = `${url.pathname.replace(/\/$/, '')}/tables/${encodeURIComponent(table)}`;
  url.hash = '';
  for (const [name, value] of socket.searchParams) {
    if (!url.searchParams.has(name)) url.searchParams.append(name, value);
  }
  url.searchParams.set('format', 'snapshot');
  if (token !== undefined) url.searchParams.set('token', token);
  return url.href;
}
