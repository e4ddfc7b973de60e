import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ArrowSchemaSpec } from '../../../shared/src/arrow/arrow-columns.js';
import { tablePosition } from '../../../shared/src/protocol/index.js';
import type { KafkaTable } from '../kafka-table.js';
import { sendArrow } from './arrow-response.js';
import { send, sendJson } from './json-response.js';
import { originAllowed } from './origin-allowed.js';
import { requestUrl } from './request-url.js';
import { bootstrapBody, plainJson } from './wire-frames.js';

type Allowed = ReadonlySet<string> | 'all';

interface HttpContext {
  readonly tables: ReadonlyMap<string, KafkaTable<unknown>>;
  readonly metrics: (visible: Allowed) => string;
  readonly authorize: (request: IncomingMessage) => Promise<Allowed | false>;
  /** Who may see everything about the bridge; undefined: callers see the tables they may read. */
  readonly authorizeOps: ((request: IncomingMessage) => boolean | Promise<boolean>) | undefined;
  /** Answer 403 for a table the caller may not read instead of the unknown table's 404. */
  readonly revealForbidden: boolean;
  /** Declared Arrow columns per table; others are inferred. */
  readonly arrowSchemas?: Readonly<Record<string, ArrowSchemaSpec>> | undefined;
  /** Browser origins that may read tables (the sockets' rule); undefined: any. */
  readonly allowedOrigins: readonly string[] | undefined;
  /**
   * Streams `table`'s snapshot as the body (`?format=snapshot`), or answers the status that
   * refuses it (the sockets' connection caps).
   */
  readonly streamSnapshot: (
    request: IncomingMessage,
    response: ServerResponse,
    name: string,
    table: KafkaTable<unknown>,
  ) => void;
}

/**
 * The bridge's HTTP side: probes for orchestrators, Prometheus metrics, and plain reads of
 * tables behind the same authorization as the WebSocket.
 *
 * `GET /tables/:name?format=bootstrap` answers `{ table, status, position, sets }` with values as
 * wire values (the shape of snapshot parts), for an app's server to embed in the page: the
 * client hydrates from it and subscribes from `position`, so only later changes travel. The
 * default format stays plain JSON (`data`), where superjson values lose their types.
 * `?format=arrow` answers an Arrow IPC stream (see arrow-response.ts). `?format=snapshot`
 * streams a snapshot as lines of protocol messages (see http-snapshot.ts, PROTOCOL.md §19).
 *
 * Table reads answer browsers of the origins the sockets accept (CORS, with credentials, since
 * a cookie opens the socket too); another origin gets 403, as its socket would.
 *
 * Bodies with values are spliced from the tables' stored wire text, never re-encoded, so every
 * stored value can be served.
 */
export async function handleHttp(
  request: IncomingMessage,
  response: ServerResponse,
  context: HttpContext,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return send(response, 405, { error: 'Only GET is supported.' }, { allow: 'GET, HEAD' });
  }
  let url: URL;
  let name: string | undefined;
  let key: string | undefined;
  let match: RegExpExecArray | null = null;
  try {
    url = requestUrl(request);
    match = /^\/tables\/([^/]+)(?:\/(.+))?$/.exec(url.pathname);
    if (match) {
      name = decodeURIComponent(match[1]!);
      key = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    }
  } catch {
    return send(response, 400, { error: 'Malformed request path (bad percent-encoding?).' });
  }
  if (url.pathname === '/healthz') return send(response, 200, { status: 'ok' });
  if (url.pathname === '/readyz' || url.pathname === '/metrics') {
    return sendOps(request, response, context, url.pathname);
  }
  if (name === undefined) return send(response, 404, { error: 'Not found.' });
  const origin = request.headers.origin;
  if (!originAllowed(context.allowedOrigins, origin)) {
    return send(response, 403, { error: `Origin ${origin} may not read tables.` });
  }
  if (origin !== undefined) {
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('access-control-allow-credentials', 'true');
    response.setHeader('vary', 'Origin');
  }
  const allowed = await context.authorize(request);
  // Unauthenticated callers learn nothing about which tables exist.
  if (allowed === false) return send(response, 401, { error: 'Unauthorized.' });
  const table = context.tables.get(name);
  const mayRead = allowed === 'all' || allowed.has(name);
  if (!table || (!mayRead && !context.revealForbidden)) {
    return send(response, 404, { error: `No table "${name}" that you may read.` });
  }
  if (!mayRead) return send(response, 403, { error: `Not allowed to read table "${name}".` });
  if (table.status === 'unstarted')
    return send(response, 503, { error: `Table "${name}" is not started.` });
  const format = url.searchParams.get('format') ?? 'json';
  if (format === 'arrow' && key === undefined) {
    return sendArrow(response, name, table, context.arrowSchemas?.[name]);
  }
  if (format === 'snapshot' && key === undefined) {
    return context.streamSnapshot(request, response, name, table);
  }
  if (format !== 'json' && (format !== 'bootstrap' || key !== undefined)) {
    return send(response, 400, {
      error: `Unknown format "${format}": use "json", or "bootstrap", "snapshot" or "arrow" for a whole table.`,
    });
  }
  // Read in one synchronous run, like a snapshot: entries and position describe one moment.
  const position = tablePosition(table);
  if (format === 'bootstrap') {
    return sendJson(
      response,
      200,
      bootstrapBody(name, table.status, position, table.wireEntries()),
    );
  }
  const head = `"table":${JSON.stringify(name)}`;
  const tail = `"status":${JSON.stringify(table.status)},"position":${JSON.stringify(position)}`;
  if (key === undefined) {
    const data: string[] = [];
    for (const [k, text, plain] of table.wireEntries()) {
      data.push(`${JSON.stringify(k)}:${plainJson(text, plain)}`);
    }
    return sendJson(response, 200, `{${head},${tail},"data":{${data.join(',')}}}`);
  }
  const entry = table.wire(key);
  if (entry === undefined) {
    return send(response, 404, { error: `No key "${key}" in table "${name}".` });
  }
  const value = plainJson(entry[1], entry[2]);
  return sendJson(response, 200, `{${head},"key":${JSON.stringify(key)},"value":${value},${tail}}`);
}

/**
 * `/readyz` and `/metrics`. An ops caller (authorizeOps) sees every table; without
 * authorizeOps, a caller sees the tables `authorize` lets it read; with it, others get only
 * `{ ready }` from /readyz and 401 from /metrics.
 */
async function sendOps(
  request: IncomingMessage,
  response: ServerResponse,
  context: HttpContext,
  path: string,
): Promise<void> {
  let visible: Allowed;
  if (context.authorizeOps !== undefined) {
    visible = (await context.authorizeOps(request)) ? 'all' : new Set();
    if (path === '/metrics' && visible !== 'all') {
      return send(response, 401, { error: 'Metrics need the ops credentials.' });
    }
  } else {
    visible = (await context.authorize(request)) || new Set();
  }
  if (path === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    response.end(request.method === 'HEAD' ? undefined : context.metrics(visible));
    return;
  }
  const ready = [...context.tables.values()].every((t) => t.status === 'caught_up');
  const shown = [...context.tables].filter(([name]) => visible === 'all' || visible.has(name));
  const body =
    shown.length === 0
      ? { ready }
      : { ready, tables: Object.fromEntries(shown.map(([name, t]) => [name, t.status])) };
  return send(response, ready ? 200 : 503, body);
}
