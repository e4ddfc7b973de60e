import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { encodeMessage, SUBPROTOCOL, tablePosition } from '../../../shared/src/protocol/index.js';
import { consoleLogger, defaultTimers, type Logger, type Timers } from '../environment.js';
import type { KafkaTable } from '../kafka-table.js';
import { type AccessDecision, decideAccess } from './access-decision.js';
import type { Bridge } from './bridge.js';
import { BridgeConnection } from './bridge-connection.js';
import { BridgeMetrics } from './bridge-metrics.js';
import {
  type AuthorizeRequest,
  type BridgeOptions,
  type ResolvedBridgeOptions,
  resolveBridgeOptions,
  type SessionInfo,
} from './bridge-options.js';
import { ConnectionCaps } from './connection-caps.js';
import type { ConnectionHost } from './connection-host.js';
import { handleHttp } from './http-routes.js';
import { serveHttpSnapshot } from './http-snapshot.js';
import { originAllowed } from './origin-allowed.js';
import { isWebSocketUpgrade, responseOnSocket } from './plain-request.js';
import { SliceScheduler } from './slice-scheduler.js';
import { type FanoutMember, TableFanout } from './table-fanout.js';
import { authorizeRequest, refuse } from './upgrade-request.js';
import { WriteService } from './write-service.js';

/** One open socket: its connection and what it was authorized with. */
interface Session {
  readonly connection: BridgeConnection;
  readonly request: AuthorizeRequest;
  readonly address: string;
  session: unknown;
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
  readonly scheduler = new SliceScheduler();
  readonly options: ResolvedBridgeOptions;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly #tables: ReadonlyMap<string, KafkaTable<unknown>>;
  readonly #connections = new Map<WebSocket, Session>();
  /** Open sockets plus upgrades being authorized, per remote address and in all. */
  readonly #caps: ConnectionCaps;
  #reauthorizeTimer: unknown;
  readonly #wss: WebSocketServer;
  readonly #fanout: TableFanout;
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
    this.#fanout = new TableFanout(this.#tables, logger);
    this.writes = new WriteService({
      writers: new Map(Object.entries(options.writers)),
      authorizeWrite: options.authorizeWrite,
      topicIdOf: (name) => {
        const table = this.#tables.get(name);
        return table && tablePosition(table).topicId;
      },
      writeTimeoutMs: options.writeTimeoutMs,
      dedupWindow: 10_000,
      timers,
      logger,
    });
    this.#caps = new ConnectionCaps(options.maxConnections, options.maxConnectionsPerAddress);
    this.#wss = new WebSocketServer({
      noServer: true,
      // Frames up to twice the limit are read, so the client gets a typed MESSAGE_TOO_LARGE;
      // ws closes bigger ones with 1009 unread.
      maxPayload: options.maxMessageBytes * 2,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  table(name: string): KafkaTable<unknown> | undefined {
    return this.#tables.get(name);
  }

  join(table: string, connection: FanoutMember): void {
    this.#fanout.join(table, connection);
  }

  leave(table: string, connection: FanoutMember): void {
    this.#fanout.leave(table, connection);
  }

  settle(table: string, connection: FanoutMember): void {
    this.#fanout.settle(table, connection);
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

  async listen(options: { port?: number; host?: string; backlog?: number } = {}) {
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
      server.listen(options.port ?? 0, host, options.backlog ?? 4096, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#startHeartbeat();
    this.#startReauthorizing();
    const port = (server.address() as AddressInfo).port;
    return { port, host, url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}` };
  }

  #startHeartbeat(): void {
    const beat = () => {
      for (const [socket, { connection }] of this.#connections) {
        if (!connection.alive && !connection.stalled) {
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

  /** Every `reauthorizeIntervalMs`, asks `authorize` again about every open session. */
  #startReauthorizing(): void {
    const interval = this.options.reauthorizeIntervalMs;
    if (interval === undefined) return;
    const round = async () => {
      await Promise.all([...this.#connections.values()].map((s) => this.#reauthorize(s)));
      if (this.#closing === undefined) {
        this.#reauthorizeTimer = this.timers.setTimeout(() => void round(), interval);
      }
    };
    this.#reauthorizeTimer = this.timers.setTimeout(() => void round(), interval);
  }

  async #reauthorize(session: Session): Promise<void> {
    let decision: AccessDecision | false;
    try {
      decision = await this.#decide(session.request);
    } catch (error) {
      // An authorization service that is down must not drop every client: keep the last word.
      this.metrics.reauthorizeErrors++;
      this.logger.error('authorize threw while re-checking a session; it keeps its access.', {
        error: String(error),
      });
      return;
    }
    if (decision === false) {
      this.#revokeSession(session);
      return;
    }
    session.session = decision.session;
    session.connection.reauthorized(decision.tables);
  }

  revoke(predicate: (session: SessionInfo) => boolean): number {
    let count = 0;
    for (const session of [...this.#connections.values()]) {
      const info = {
        request: session.request,
        session: session.session,
        tables: session.connection.allowed,
      };
      if (!predicate(info)) continue;
      this.#revokeSession(session);
      count++;
    }
    return count;
  }

  #revokeSession(session: Session): void {
    this.metrics.revokedSessions++;
    session.connection.close(4403, 'credentials revoked', {
      code: 'FORBIDDEN',
      message: 'This session is no longer authorized; sign in again.',
    });
  }

  handleRequest(request: IncomingMessage, response: ServerResponse): void {
    handleHttp(request, response, {
      tables: this.#tables,
      metrics: (visible) => this.metrics.render(this.options.bridgeId, this.#tables, visible),
      authorize: async (req) => {
        const decision = await this.#decide(authorizeRequest(req));
        return decision === false ? false : decision.tables;
      },
      authorizeOps: this.options.authorizeOps
        ? (req) => this.options.authorizeOps!(authorizeRequest(req))
        : undefined,
      revealForbidden: this.options.revealForbiddenTables,
      arrowSchemas: this.options.arrowSchemas,
      allowedOrigins: this.options.allowedOrigins,
      streamSnapshot: (req, res, name, table) =>
        serveHttpSnapshot(req, res, name, table, this, this.#caps, this.#closing !== undefined),
    }).catch((error: unknown) => {
      this.logger.error('HTTP request failed.', { error: String(error) });
      if (!response.headersSent) response.writeHead(500).end();
    });
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!isWebSocketUpgrade(request)) {
      this.handleRequest(request, responseOnSocket(request, socket));
      return;
    }
    if (this.#closing) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    if (!originAllowed(this.options.allowedOrigins, request.headers.origin)) {
      refuse(socket, 403, 'Forbidden');
      return;
    }
    const address = request.socket.remoteAddress ?? '';
    const refusal = this.#caps.reserve(address);
    if (refusal !== undefined) {
      this.metrics.refusedConnections++;
      refuse(socket, refusal.status, refusal.text, refusal.reason);
      return;
    }
    let reserved = true;
    const release = () => {
      if (!reserved) return;
      reserved = false;
      this.#caps.release(address);
    };
    let auth: AuthorizeRequest;
    try {
      auth = authorizeRequest(request);
    } catch {
      release();
      refuse(socket, 400, 'Bad Request', 'malformed request target');
      return;
    }
    this.#decide(auth).then(
      (decision) => {
        if (decision === false) {
          release();
          refuse(socket, 401, 'Unauthorized');
          return;
        }
        if (this.#closing) {
          release();
          refuse(socket, 503, 'Service Unavailable', 'bridge shutting down');
          return;
        }
        socket.once('close', release);
        this.#wss.handleUpgrade(request, socket, head, (ws) => {
          socket.off('close', release);
          reserved = false;
          this.#accept(ws, decision, auth, address);
        });
      },
      (error: unknown) => {
        release();
        this.logger.error('authorize threw; refusing the connection.', { error: String(error) });
        refuse(socket, 500, 'Internal Server Error');
      },
    );
  }

  #decide(request: AuthorizeRequest): Promise<AccessDecision | false> {
    return decideAccess(this.options.authorize, request);
  }

  #accept(
    ws: WebSocket,
    decision: AccessDecision,
    request: AuthorizeRequest,
    address: string,
  ): void {
    if (ws.protocol !== SUBPROTOCOL) {
      ws.send(
        encodeMessage({
          type: 'error',
          code: 'PROTOCOL_VERSION',
          message: `This bridge speaks the "${SUBPROTOCOL}" WebSocket subprotocol; ask for it.`,
        }),
      );
      ws.close(4400, 'unsupported protocol version');
      ws.once('close', () => this.#caps.release(address));
      return;
    }
    const connection = new BridgeConnection(ws, this, decision.tables, request);
    this.#connections.set(ws, { connection, request, address, session: decision.session });
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
      this.#caps.release(address);
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
    if (this.#reauthorizeTimer !== undefined) this.timers.clearTimeout(this.#reauthorizeTimer);
    this.#fanout.close();
    const sockets = [...this.#connections.keys()];
    const spread = this.options.goawaySpreadMs;
    for (const socket of sockets) {
      // Spread, so the clients of this bridge do not all land on the next one at once.
      const retryAfterMs = Math.min(spread - 1, Math.floor(this.options.random() * spread));
      socket.send(encodeMessage({ type: 'goaway', reason: 'bridge shutting down', retryAfterMs }));
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
