import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { encodeMessage, SUBPROTOCOL, tablePosition } from '../../../shared/src/protocol/index.js';
import { consoleLogger, defaultTimers, type Logger, type Timers } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import { BatchFrames } from './batch-frames.js';
import { BridgeConnection, type ConnectionHost } from './bridge-connection.js';
import { BridgeMetrics } from './bridge-metrics.js';
import {
  type Authorization,
  type AuthorizeRequest,
  type BridgeOptions,
  type ResolvedBridgeOptions,
  resolveBridgeOptions,
} from './bridge-options.js';
import { handleHttp } from './http-routes.js';
import { WriteService } from './write-service.js';

export interface Bridge {
  /** Starts the tables that are not started yet and listens. Resolves with the bound address. */
  listen(options?: {
    port?: number;
    host?: string;
  }): Promise<{ port: number; host: string; url: string }>;
  /** Resolves once every table's start() settled (caught up, degraded or failed). */
  ready(): Promise<void>;
  /** Tells clients to go elsewhere, closes every socket and the server. Idempotent. */
  close(options?: { graceMs?: number }): Promise<void>;
  readonly metrics: BridgeMetrics;
  /** Handle an upgrade from your own HTTP server instead of listen(). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Handle a request from your own HTTP server: /healthz, /readyz, /metrics, /tables/... */
  handleRequest(request: IncomingMessage, response: ServerResponse): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves tables over WebSocket (snapshot, then deltas) and HTTP. One KafkaTable per topic is
 * shared by every connection: clients never cost a Kafka consumer.
 */
export function createBridge(options: BridgeOptions): Bridge {
  return new BridgeServer(
    resolveBridgeOptions(options),
    options.logger ?? consoleLogger,
    options.timers ?? defaultTimers,
  );
}

class BridgeServer implements Bridge, ConnectionHost {
  readonly metrics = new BridgeMetrics();
  readonly options: ResolvedBridgeOptions;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly #tables: ReadonlyMap<string, KafkaTable<unknown>>;
  readonly #members = new Map<string, Set<BridgeConnection>>();
  readonly #connections = new Map<WebSocket, BridgeConnection>();
  readonly #wss: WebSocketServer;
  readonly #unsubscribeTables: Array<() => void> = [];
  readonly writes: WriteService;
  #server: Server | undefined;
  #heartbeat: unknown;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedBridgeOptions, logger: Logger, timers: Timers) {
    this.options = options;
    this.logger = logger;
    this.timers = timers;
    this.#tables = new Map(Object.entries(options.tables));
    this.writes = new WriteService({
      writers: new Map(Object.entries(options.writers)),
      authorizeWrite: options.authorizeWrite,
      topicIdOf: (name) => {
        const table = this.#tables.get(name);
        return table && (table.topicId ?? table.topic);
      },
      writeTimeoutMs: options.writeTimeoutMs,
      dedupWindow: 10_000,
      timers,
      logger,
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    for (const [name, table] of this.#tables) {
      this.#members.set(name, new Set());
      this.#unsubscribeTables.push(
        table.onChanges((changes) => {
          const members = this.#members.get(name);
          if (!members || members.size === 0) return;
          const batch = new BatchFrames(name, changes, tablePosition(table));
          for (const connection of members) {
            // One connection that fails must not cost the others this batch.
            try {
              connection.deliver(batch);
            } catch (error) {
              this.logger.error('Delivering a batch to a connection failed.', {
                table: name,
                error: String(error),
              });
            }
          }
        }),
        table.onStatus((status, failure) => {
          const frame = encodeMessage(
            failure
              ? { type: 'status', table: name, status, reason: failure.message }
              : { type: 'status', table: name, status },
          );
          for (const connection of this.#members.get(name) ?? []) connection.sendStatus(frame);
        }),
      );
    }
  }

  table(name: string): KafkaTable<unknown> | undefined {
    return this.#tables.get(name);
  }

  join(table: string, connection: BridgeConnection): void {
    this.#members.get(table)?.add(connection);
  }

  leave(table: string, connection: BridgeConnection): void {
    this.#members.get(table)?.delete(connection);
  }

  ready(): Promise<void> {
    this.#starting ??= this.#startTables();
    return this.#starting;
  }

  async #startTables(): Promise<void> {
    const writers = Object.entries(this.options.writers).map(async ([name, writer]) => {
      if (writer.state !== 'new') return;
      try {
        await writer.start();
      } catch (error) {
        this.logger.error(`The writer of table "${name}" failed to start; its writes fail.`, {
          error: String(error),
        });
      }
    });
    await Promise.all([
      ...writers,
      ...[...this.#tables].map(async ([name, table]) => {
        if (table.status !== 'unstarted') return;
        try {
          await table.start();
        } catch (error) {
          this.logger.error(`Table "${name}" failed to start.`, { error: String(error) });
        }
      }),
    ]);
  }

  async listen(options: { port?: number; host?: string } = {}) {
    if (this.#server) throw new Error('This bridge is already listening.');
    // Reads work as soon as start() was called, so the tables start in the background and
    // clients see them loading instead of waiting for the port.
    void this.ready();
    const server = createServer((request, response) => this.handleRequest(request, response));
    server.on('upgrade', (request, socket, head) => this.handleUpgrade(request, socket, head));
    this.#server = server;
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#startHeartbeat();
    const port = (server.address() as AddressInfo).port;
    return { port, host, url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}` };
  }

  #startHeartbeat(): void {
    const beat = () => {
      for (const [socket, connection] of this.#connections) {
        if (!connection.alive) {
          socket.terminate();
          continue;
        }
        connection.alive = false;
        socket.ping();
      }
      this.#heartbeat = this.timers.setTimeout(beat, this.options.heartbeatIntervalMs);
    };
    this.#heartbeat = this.timers.setTimeout(beat, this.options.heartbeatIntervalMs);
  }

  handleRequest(request: IncomingMessage, response: ServerResponse): void {
    handleHttp(request, response, {
      tables: this.#tables,
      metrics: () => this.metrics.render(this.options.bridgeId, this.#tables),
      authorize: (req) => this.#authorize(req),
      arrowSchemas: this.options.arrowSchemas,
    }).catch((error: unknown) => {
      this.logger.error('HTTP request failed.', { error: String(error) });
      if (!response.headersSent) response.writeHead(500).end();
    });
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closing) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    const origin = request.headers.origin;
    if (
      this.options.allowedOrigins &&
      origin !== undefined &&
      !this.options.allowedOrigins.includes(origin)
    ) {
      refuse(socket, 403, 'Forbidden');
      return;
    }
    this.#authorize(request).then(
      (allowed) => {
        if (allowed === false) refuse(socket, 401, 'Unauthorized');
        else
          this.#wss.handleUpgrade(request, socket, head, (ws) =>
            this.#accept(ws, allowed, authorizeRequest(request)),
          );
      },
      (error: unknown) => {
        this.logger.error('authorize threw; refusing the connection.', { error: String(error) });
        refuse(socket, 500, 'Internal Server Error');
      },
    );
  }

  async #authorize(request: IncomingMessage): Promise<ReadonlySet<string> | 'all' | false> {
    if (this.options.authorize === undefined) return 'all';
    const decision: Authorization = await this.options.authorize(authorizeRequest(request));
    if (decision === true) return 'all';
    if (decision === false) return false;
    return new Set(decision.tables);
  }

  #accept(ws: WebSocket, allowed: ReadonlySet<string> | 'all', request: AuthorizeRequest): void {
    if (ws.protocol !== SUBPROTOCOL) {
      ws.send(
        encodeMessage({
          type: 'error',
          code: 'PROTOCOL_VERSION',
          message: `This bridge speaks the "${SUBPROTOCOL}" WebSocket subprotocol; ask for it.`,
        }),
      );
      ws.close(4400, 'unsupported protocol version');
      return;
    }
    const connection = new BridgeConnection(ws, this, allowed, request);
    this.#connections.set(ws, connection);
    this.metrics.connections++;
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      connection.receive(data, isBinary).catch((error: unknown) => {
        this.logger.error('A client message failed.', { error: String(error) });
      });
    });
    ws.on('error', () => {
      // ws closes the socket itself (e.g. 1009 for an oversized frame); 'close' cleans up.
    });
    ws.on('close', () => {
      this.#connections.delete(ws);
      this.metrics.connections--;
      connection.dispose();
    });
    connection.send({ type: 'welcome', version: 1, bridge: this.options.bridgeId });
  }

  close(options: { graceMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.graceMs ?? 1_000);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    if (this.#heartbeat !== undefined) this.timers.clearTimeout(this.#heartbeat);
    for (const remove of this.#unsubscribeTables) remove();
    const sockets = [...this.#connections.keys()];
    const goaway = encodeMessage({
      type: 'goaway',
      reason: 'bridge shutting down',
      retryAfterMs: 0,
    });
    for (const socket of sockets) {
      socket.send(goaway);
      socket.close(1001, 'bridge shutting down');
    }
    // Sockets that do not finish the closing handshake in time are cut.
    await Promise.race([
      Promise.all(
        sockets.map((s) =>
          s.readyState === s.CLOSED ? undefined : new Promise((r) => s.once('close', r)),
        ),
      ),
      new Promise<void>((resolve) => this.timers.setTimeout(resolve, graceMs)),
    ]);
    for (const socket of this.#connections.keys()) socket.terminate();
    this.#wss.close();
    const server = this.#server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function authorizeRequest(request: IncomingMessage): AuthorizeRequest {
  const cookies: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies[part.slice(0, at).trim()] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return {
    headers: request.headers,
    url: new URL(request.url ?? '/', 'http://bridge.invalid'),
    cookies,
    origin: request.headers.origin,
    remoteAddress: request.socket.remoteAddress,
  };
}
