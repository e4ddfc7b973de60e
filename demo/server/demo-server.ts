import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import {
  type Bridge,
  codecs,
  createBridge,
  KafkaTable,
  KafkaTableWriter,
  type Logger,
  StreamTable,
  type WindowRow,
} from '../../server/src/index.js';
import { tablePosition, toWireValue } from '../../shared/src/protocol/index.js';
import {
  CHANGES_PER_MINUTE_TABLE,
  EVENTS_TABLE,
  FLAGS,
  FLAGS_TABLE,
  SERVICES_TABLE,
  type Service,
  seedServices,
} from '../data.js';
import { buildDashboard, DEFAULT_ASSETS_DIR } from './build.js';
import { changesPerMinute } from './changes-per-minute.js';
import { type RegistryWriter, startRegistryWriter } from './registry-writer.js';
import { waitForGroupCoordinator } from './warm-up.js';

export interface DemoServerOptions {
  readonly brokers: readonly string[];
  /** Default 0: any free port. */
  readonly port?: number;
  /** Listen on any free port when `port` is taken. Default false. */
  readonly anyPortIfBusy?: boolean;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly flagsTopic?: string;
  readonly servicesTopic?: string;
  /** Write the flags and services a fresh topic lacks. Default true. */
  readonly seed?: boolean;
  /** The background registry writer; false for none. Defaults: every ~300 ms, for an hour. */
  readonly writer?: false | { readonly intervalMs?: number; readonly durationMs?: number };
  /**
   * The built dashboard. When absent, the server builds it with Vite into `demo/dist` first;
   * pass the directory `buildDashboard()` returned to skip that.
   */
  readonly assetsDir?: string;
  /** How long a write from the page waits for Kafka. Default 10 000. */
  readonly writeTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface DemoServer {
  /** The dashboard, e.g. `http://127.0.0.1:5173/`. */
  readonly url: string;
  readonly port: number;
  readonly flagsTopic: string;
  readonly servicesTopic: string;
  /** The registry writer, while it runs. */
  readonly registryWriter: RegistryWriter | undefined;
  /** Closes the bridge and its tables; pages keep their data and reconnect with backoff. */
  stopBridge(): Promise<void>;
  /** A new bridge over new tables (a real restart: they replay the topics). */
  startBridge(): Promise<void>;
  /** Stops the writer, the bridge, the tables, the writers and the HTTP server. Idempotent. */
  close(): Promise<void>;
}

interface Live {
  readonly bridge: Bridge;
  readonly flags: KafkaTable<boolean>;
  readonly services: KafkaTable<Service>;
  readonly events: StreamTable<Service>;
  readonly perMinute: KafkaTable<WindowRow>;
}

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
const MAX_HEALS = 10;
const FLAG_KEY = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The demo: a bridge over the flags and service-registry tables, mounted on one HTTP server that
 * also serves the dashboard (with each table's bootstrap embedded in the HTML). The page's flag
 * switches write through the bridge itself (`useWrite`), which serves the flags table writable.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const brokers = [...options.brokers];
  const flagsTopic = options.flagsTopic ?? 'demo-flags';
  const servicesTopic = options.servicesTopic ?? 'demo-services';
  const writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
  const logger = options.logger;
  const assetsDir = resolve(options.assetsDir ?? (await buildDashboard(DEFAULT_ASSETS_DIR)));
  const template = await readFile(join(assetsDir, 'index.html'), 'utf8');
  if (!template.includes(CONFIG_PLACEHOLDER)) {
    throw new Error(`${assetsDir}/index.html has no ${CONFIG_PLACEHOLDER} to fill in`);
  }

  const flagWriter = new KafkaTableWriter({
    brokers,
    topic: flagsTopic,
    valueCodec: codecs.json<boolean>(),
    ...(logger ? { logger } : {}),
  });
  const serviceWriter = new KafkaTableWriter({
    brokers,
    topic: servicesTopic,
    valueCodec: codecs.json<Service>(),
    ...(logger ? { logger } : {}),
  });

  let live: Live | undefined;
  let bridgeQueue: Promise<unknown> = Promise.resolve();
  let registryWriter: RegistryWriter | undefined;
  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  let healed = 0;

  const openBridge = async (): Promise<Live> => {
    const common = { brokers, ...(logger ? { logger } : {}) };
    const flags = new KafkaTable({
      ...common,
      topic: flagsTopic,
      valueCodec: codecs.json<boolean>(),
    });
    const services = new KafkaTable({
      ...common,
      topic: servicesTopic,
      valueCodec: codecs.json<Service>(),
      numPartitions: 3,
    });
    // The live event feed: the registry's last 50 writes as rows.
    const events = new StreamTable({
      ...common,
      topic: servicesTopic,
      valueCodec: codecs.json<Service>(),
      limit: 50,
    });
    const perMinute = await changesPerMinute({ ...common, topic: servicesTopic });
    const bridge = createBridge({
      tables: {
        [FLAGS_TABLE]: flags,
        [SERVICES_TABLE]: services,
        [EVENTS_TABLE]: events,
        [CHANGES_PER_MINUTE_TABLE]: perMinute,
      },
      // The page's flag switches write through the bridge (handle.set), only known flag keys
      // and only booleans: the JSON codec alone would take any value.
      writers: { [FLAGS_TABLE]: flagWriter as KafkaTableWriter<unknown> },
      authorizeWrite: (_request, write) =>
        FLAG_KEY.test(write.key) && (write.delete || typeof write.value === 'boolean'),
      writeTimeoutMs,
      heartbeatIntervalMs: 15_000,
      ...(logger ? { logger } : {}),
    });
    await bridge.ready();
    // A table whose reader died serves frozen data: rebuild the bridge (pages reconnect and
    // resume), a bounded number of times.
    for (const table of [flags, services, events, perMinute] as KafkaTable<unknown>[]) {
      table.onStatus((status, failure) => {
        if (status !== 'failed' || closing || healed >= MAX_HEALS) return;
        healed++;
        logger?.error(`table ${table.topic} failed; restarting the bridge`, {
          error: String(failure),
        });
        setTimeout(() => {
          if (live?.bridge !== bridge) return;
          stopBridge()
            .then(startBridge)
            .catch((error: unknown) =>
              logger?.error('restarting the bridge failed', { error: String(error) }),
            );
        }, 1_000).unref();
      });
    }
    return { bridge, flags, services, events, perMinute };
  };

  const closeBridge = async (current: Live): Promise<void> => {
    await current.bridge.close({ graceMs: 500 });
    await Promise.allSettled([
      current.flags.stop(),
      current.services.stop(),
      current.events.stop(),
      current.perMinute.stop(),
    ]);
  };

  // Serialized, so a test's stop/start and close() never interleave.
  const enqueue = (operation: () => Promise<void>): Promise<void> => {
    const result = bridgeQueue.then(operation);
    bridgeQueue = result.catch(() => {});
    return result;
  };
  const stopBridge = () =>
    enqueue(async () => {
      const current = live;
      live = undefined;
      if (current) await closeBridge(current);
    });
  const startBridge = () =>
    enqueue(async () => {
      if (!live && !closing) live = await openBridge();
    });

  const close = (): Promise<void> => {
    closing ??= (async () => {
      await registryWriter?.stop();
      await stopBridge();
      await Promise.allSettled([flagWriter.stop(), serviceWriter.stop()]);
      if (server) {
        const closed = new Promise<void>((done) => server?.close(() => done()));
        server.closeAllConnections();
        await closed;
      }
    })();
    return closing;
  };

  try {
    await Promise.all([
      flagWriter.start(),
      serviceWriter.start(),
      waitForGroupCoordinator(brokers).then((ready) => {
        if (!ready) logger?.warn('the group coordinator is still loading; starting anyway');
      }),
    ]);
    await startBridge();
    if (options.seed ?? true) await seed();
    const writerOptions = options.writer ?? {};
    if (writerOptions !== false) {
      registryWriter = startRegistryWriter({
        writer: serviceWriter,
        services: [...live!.services.values()],
        ...writerOptions,
        onError: (error) => logger?.warn('registry write failed', { error: String(error) }),
      });
    }
    server = createServer((request, response) => {
      handle(request, response).catch((error: unknown) => {
        logger?.error('demo request failed', { error: String(error) });
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
    });
    server.on('upgrade', (request, socket, head) => {
      const path = new URL(request.url ?? '/', 'http://demo.invalid').pathname;
      if (path !== '/ws') return refuse(socket, 404, 'Not Found');
      if (!live) return refuse(socket, 503, 'Service Unavailable');
      live.bridge.handleUpgrade(request, socket, head);
    });
    const listening = server;
    const listen = (port: number) =>
      new Promise<void>((done, fail) => {
        listening.once('error', fail);
        listening.listen(port, options.host ?? '127.0.0.1', () => {
          listening.off('error', fail);
          done();
        });
      });
    try {
      await listen(options.port ?? 0);
    } catch (error) {
      if (!options.anyPortIfBusy || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw error;
      }
      await listen(0);
    }
  } catch (error) {
    await close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  // A wildcard bind (0.0.0.0 in a container) is reached as localhost from the same machine.
  const bound = ['0.0.0.0', '::'].includes(address.address) ? 'localhost' : address.address;
  const host = bound.includes(':') ? `[${bound}]` : bound;

  return {
    url: `http://${host}:${address.port}/`,
    port: address.port,
    flagsTopic,
    servicesTopic,
    get registryWriter() {
      return registryWriter;
    },
    stopBridge,
    startBridge,
    close,
  };

  async function seed(): Promise<void> {
    const { flags, services } = live!;
    const writes = [];
    for (const flag of FLAGS) {
      if (!flags.has(flag.key)) writes.push(flagWriter.set(flag.key, flag.initial));
    }
    for (const service of seedServices(Date.now())) {
      if (!services.has(service.name)) writes.push(serviceWriter.set(service.name, service));
    }
    await Promise.all(writes);
    await Promise.all([flags.barrier(writeTimeoutMs), services.barrier(writeTimeoutMs)]);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://demo.invalid');
    const path = url.pathname;
    if (
      path === '/healthz' ||
      path === '/readyz' ||
      path === '/metrics' ||
      path.startsWith('/tables/')
    ) {
      if (!live) return json(response, 503, { error: 'The bridge is restarting.' });
      return live.bridge.handleRequest(request, response);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return json(response, 405, { error: 'Only GET is supported here.' });
    }
    if (path === '/' || path === '/index.html') return page(response, url);
    return asset(response, path);
  }

  /** The dashboard, with the tables as of now embedded so the first paint is real data. */
  function page(response: ServerResponse, url: URL): void {
    const config: Record<string, unknown> = {
      ws: '/ws',
      cache: url.searchParams.get('cache') !== 'off',
      topics: { [FLAGS_TABLE]: flagsTopic, [SERVICES_TABLE]: servicesTopic },
    };
    if (url.searchParams.get('bootstrap') !== 'off' && live) {
      config.bootstrap = {
        [FLAGS_TABLE]: bootstrapOf(FLAGS_TABLE, live.flags),
        [SERVICES_TABLE]: bootstrapOf(SERVICES_TABLE, live.services),
      };
    }
    // `<` escaped, so no value can close the script element.
    const text = JSON.stringify(config).replace(/</g, '\\u003c');
    const html = template.replace(
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
    if (!file.startsWith(assetsDir + sep)) return json(response, 404, { error: 'Not found.' });
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return json(response, 404, { error: 'Not found.' });
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

function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

function refuse(socket: NodeJS.WritableStream & { destroy(): void }, status: number, text: string) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
