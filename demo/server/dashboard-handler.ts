import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { send } from '../../server/src/bridge/json-response.js';
import type { KafkaTable } from '../../server/src/index.js';
import { tablePosition, toWireValue } from '../../shared/src/protocol/index.js';
import { FLAGS_TABLE, SERVICES_TABLE } from '../data.js';
import type { DemoBridge } from './demo-bridge.js';

const CONFIG_PLACEHOLDER = '<script id="tablecast-config" type="application/json">{}</script>';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface DashboardOptions {
  /** The built dashboard, an absolute path. */
  readonly assetsDir: string;
  /** Its index.html, from `readDashboardTemplate`. */
  readonly template: string;
  readonly flagsTopic: string;
  readonly servicesTopic: string;
  /** The bridge serving now; undefined while it restarts. */
  readonly live: () => DemoBridge | undefined;
}

/** The dashboard's index.html, checked for the config element the server fills in. */
export async function readDashboardTemplate(assetsDir: string): Promise<string> {
  const template = await readFile(join(assetsDir, 'index.html'), 'utf8');
  if (!template.includes(CONFIG_PLACEHOLDER)) {
    throw new Error(`${assetsDir}/index.html has no ${CONFIG_PLACEHOLDER} to fill in`);
  }
  return template;
}

/**
 * The demo's HTTP requests: the bridge's own endpoints (health, metrics, /tables/...), the
 * dashboard page with the tables embedded, and its static assets.
 */
export function dashboardHandler(
  options: DashboardOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const { assetsDir } = options;

  /** The dashboard, with the tables as of now embedded so the first paint is real data. */
  function page(response: ServerResponse, url: URL): void {
    const live = options.live();
    const config: Record<string, unknown> = {
      ws: '/ws',
      cache: url.searchParams.get('cache') !== 'off',
      topics: { [FLAGS_TABLE]: options.flagsTopic, [SERVICES_TABLE]: options.servicesTopic },
    };
    if (url.searchParams.get('bootstrap') !== 'off' && live) {
      config.bootstrap = {
        [FLAGS_TABLE]: bootstrapOf(FLAGS_TABLE, live.flags),
        [SERVICES_TABLE]: bootstrapOf(SERVICES_TABLE, live.services),
      };
    }
    // `<` escaped, so no value can close the script element.
    const text = JSON.stringify(config).replace(/</g, '\\u003c');
    const html = options.template.replace(
      CONFIG_PLACEHOLDER,
      `<script id="tablecast-config" type="application/json">${text}</script>`,
    );
    response.writeHead(200, {
      'content-type': TYPES['.html']!,
      'cache-control': 'no-store',
    });
    response.end(html);
  }

  async function asset(response: ServerResponse, path: string): Promise<void> {
    const file = resolve(assetsDir, `.${decodeURIComponent(path)}`);
    if (!file.startsWith(assetsDir + sep)) return send(response, 404, { error: 'Not found.' });
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return send(response, 404, { error: 'Not found.' });
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      // Vite fingerprints everything under assets/.
      'cache-control': path.startsWith('/assets/')
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
    });
    response.end(body);
  }

  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://demo.invalid');
    const path = url.pathname;
    if (
      path === '/healthz' ||
      path === '/readyz' ||
      path === '/metrics' ||
      path.startsWith('/tables/')
    ) {
      const live = options.live();
      if (!live) return send(response, 503, { error: 'The bridge is restarting.' });
      return live.bridge.handleRequest(request, response);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, { error: 'Only GET is supported here.' });
    }
    if (path === '/' || path === '/index.html') return page(response, url);
    return asset(response, path);
  };
}

function bootstrapOf<V>(name: string, table: KafkaTable<V>) {
  // One synchronous read, like the bridge's GET /tables/:name?format=bootstrap.
  return {
    table: name,
    status: table.status,
    position: tablePosition(table),
    sets: [...table.entries()].map(([key, value]) => [key, toWireValue(value)] as const),
  };
}
