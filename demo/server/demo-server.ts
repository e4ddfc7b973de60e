import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import {
  type Bridge,
  codecs,
  type KafkaTable,
  KafkaTableWriter,
  type Logger,
} from '../../server/src/index.js';
import { FLAGS, type Service, seedServices } from '../data.js';
import { buildDashboard, DEFAULT_ASSETS_DIR } from './build.js';
import { dashboardHandler, readDashboardTemplate } from './dashboard-handler.js';
import { closeDemoBridge, type DemoBridge, openDemoBridge } from './demo-bridge.js';
import { listen, localUrl } from './listen.js';
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

const MAX_HEALS = 10;

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
  const template = await readDashboardTemplate(assetsDir);

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

  let live: DemoBridge | undefined;
  let bridgeQueue: Promise<unknown> = Promise.resolve();
  let registryWriter: RegistryWriter | undefined;
  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  let healed = 0;

  // A table whose reader died serves frozen data: rebuild the bridge (pages reconnect and
  // resume), a bounded number of times.
  const heal = (bridge: Bridge, table: KafkaTable<unknown>, failure: unknown): void => {
    if (closing || healed >= MAX_HEALS) return;
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
  };
  const openBridge = () =>
    openDemoBridge({
      brokers,
      flagsTopic,
      servicesTopic,
      flagWriter,
      writeTimeoutMs,
      logger,
      onTableFailed: heal,
    });

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
      if (current) await closeDemoBridge(current);
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
    const handle = dashboardHandler({
      assetsDir,
      template,
      flagsTopic,
      servicesTopic,
      live: () => live,
    });
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
    await listen(server, options.port ?? 0, options.host ?? '127.0.0.1', options.anyPortIfBusy);
  } catch (error) {
    await close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  return {
    url: localUrl(address),
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
}

function refuse(socket: NodeJS.WritableStream & { destroy(): void }, status: number, text: string) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
