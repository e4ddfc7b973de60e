import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ArrowSchemaSpec } from '../../../shared/src/arrow/arrow-columns.js';
import { tablePosition } from '../../../shared/src/protocol/index.js';
import type { KafkaTable } from '../kafka-table.js';
import { sendArrow } from './arrow-response.js';
import { bootstrapBody, plainJson } from './wire-frames.js';

interface HttpContext {
  readonly tables: ReadonlyMap<string, KafkaTable<unknown>>;
  readonly metrics: () => string;
  readonly authorize: (request: IncomingMessage) => Promise<ReadonlySet<string> | 'all' | false>;
  /** Declared Arrow columns per table; others are inferred. */
  readonly arrowSchemas?: Readonly<Record<string, ArrowSchemaSpec>> | undefined;
}

/**
 * The bridge's HTTP side: probes for orchestrators, Prometheus metrics, and plain reads of
 * tables behind the same authorization as the WebSocket.
 *
 * `GET /tables/:name?format=bootstrap` answers `{ table, status, position, sets }` with values as
 * wire values (the shape of snapshot parts), for an app's server to embed in the page: the
 * client hydrates from it and subscribes from `position`, so only later changes travel. The
 * default format stays plain JSON (`data`), where superjson values lose their types.
 * `?format=arrow` answers an Arrow IPC stream (see arrow-response.ts).
 *
 * Bodies with values are spliced from the tables' stored wire text, never re-encoded, so every
 * stored value can be served.
 */
export async function handleHttp(
  request: IncomingMessage,
  response: ServerResponse,
  context: HttpContext,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://bridge.invalid');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return send(response, 405, { error: 'Only GET is supported.' }, { allow: 'GET, HEAD' });
  }
  if (url.pathname === '/healthz') return send(response, 200, { status: 'ok' });
  if (url.pathname === '/readyz') {
    const statuses = Object.fromEntries([...context.tables].map(([name, t]) => [name, t.status]));
    const ready = Object.values(statuses).every((s) => s === 'caught_up');
    return send(response, ready ? 200 : 503, { ready, tables: statuses });
  }
  if (url.pathname === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    response.end(request.method === 'HEAD' ? undefined : context.metrics());
    return;
  }
  const match = /^\/tables\/([^/]+)(?:\/(.+))?$/.exec(url.pathname);
  if (!match) return send(response, 404, { error: 'Not found.' });
  const name = decodeURIComponent(match[1]!);
  const table = context.tables.get(name);
  if (!table) return send(response, 404, { error: `No table "${name}".` });
  const allowed = await context.authorize(request);
  if (allowed === false) return send(response, 401, { error: 'Unauthorized.' });
  if (allowed !== 'all' && !allowed.has(name)) {
    return send(response, 403, { error: `Not allowed to read table "${name}".` });
  }
  if (table.status === 'unstarted')
    return send(response, 503, { error: `Table "${name}" is not started.` });
  const format = url.searchParams.get('format') ?? 'json';
  if (format === 'arrow' && match[2] === undefined) {
    return sendArrow(response, name, table, context.arrowSchemas?.[name]);
  }
  if (format !== 'json' && (format !== 'bootstrap' || match[2] !== undefined)) {
    return send(response, 400, {
      error: `Unknown format "${format}": use "json", or "bootstrap" or "arrow" for a whole table.`,
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
  if (match[2] === undefined) {
    const data: string[] = [];
    for (const [key, text, plain] of table.wireEntries()) {
      data.push(`${JSON.stringify(key)}:${plainJson(text, plain)}`);
    }
    return sendJson(response, 200, `{${head},${tail},"data":{${data.join(',')}}}`);
  }
  const key = decodeURIComponent(match[2]);
  const entry = table.wire(key);
  if (entry === undefined) {
    return send(response, 404, { error: `No key "${key}" in table "${name}".` });
  }
  const value = plainJson(entry[1], entry[2]);
  return sendJson(response, 200, `{${head},"key":${JSON.stringify(key)},"value":${value},${tail}}`);
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, JSON.stringify(body), headers);
}

function sendJson(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : text);
}
