import { isThenable } from '../../shared/src/is-thenable.js';
import { SUBPROTOCOL } from '../../shared/src/protocol/messages.js';
import { Backoff } from './backoff.js';
import type { ResolvedClientOptions } from './client-options.js';
import { TablecastClientError, toClientError } from './errors.js';
import { frameText } from './frame-text.js';
import { WEBSOCKET_OPEN, type WebSocketLike } from './websocket-like.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What the connection tells the subscription side. */
export interface ConnectionHandlers {
  /** A socket opened: every live subscription must be sent again. */
  readonly open: () => void;
  readonly message: (text: string) => void;
  /** The socket is gone; a reconnect is scheduled unless the connection was closed. */
  readonly lost: () => void;
}

/** Close codes a bridge uses to refuse credentials after the upgrade. */
const AUTH_CLOSE_CODES = new Set([4401, 4403]);

type Resolved = [
  url: string,
  token: string | undefined,
  headers: Record<string, string> | undefined,
];

/**
 * One WebSocket at a time, reopened with backoff until `close()`. Knows nothing about tables:
 * it opens, delivers frame text and reports loss, like tRPC's wsLink connection.
 */
export class Connection {
  readonly #options: ResolvedClientOptions;
  readonly #handlers: ConnectionHandlers;
  readonly #backoff: Backoff;
  readonly #stateListeners = new Set<{ fn: (state: ConnectionState) => void }>();

  #state: ConnectionState = 'connecting';
  #socket: WebSocketLike | undefined;
  #started = false;
  #closed = false;
  #lostOnce = false;
  /** Bumped on every attempt and on close, so a late url/token resolution is dropped. */
  #generation = 0;
  #reconnectTimer: unknown;
  #healthyTimer: unknown;

  constructor(options: ResolvedClientOptions, handlers: ConnectionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#backoff = new Backoff(
      options.backoff.initialDelayMs,
      options.backoff.maxDelayMs,
      options.random,
    );
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Consecutive failed attempts since the last healthy socket. */
  get attempt(): number {
    return this.#backoff.attempt;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    const entry = { fn: listener };
    this.#stateListeners.add(entry);
    return () => {
      this.#stateListeners.delete(entry);
    };
  }

  /** Opens the first socket; later calls do nothing. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#connect();
  }

  /** Sends when a socket is open; false otherwise (the open handler resends everything). */
  send(text: string): boolean {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== WEBSOCKET_OPEN) return false;
    try {
      socket.send(text);
      return true;
    } catch (cause) {
      this.#report(toClientError(cause, 'CONNECTION'));
      return false;
    }
  }

  /** Drops the socket and reconnects after `delayMs` (default: the next backoff delay). */
  reconnect(delayMs?: number): void {
    if (this.#closed || this.#socket === undefined) return;
    this.#drop(1000, 'reconnect');
    this.#schedule(delayMs ?? this.#backoff.next());
  }

  /** The bridge refused the credentials: report it and wait `authDelayMs` before retrying. */
  authFailed(error: TablecastClientError): void {
    if (this.#closed) return;
    this.#report(error);
    if (this.#socket !== undefined) this.#drop(1000, 'auth failed');
    this.#schedule(this.#options.backoff.authDelayMs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#generation += 1;
    this.#clearTimers();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) closeQuietly(socket, 1000, 'client closed');
    this.#setState('closed');
    this.#stateListeners.clear();
  }

  #connect(): void {
    if (this.#closed) return;
    const generation = ++this.#generation;
    this.#setState(this.#lostOnce ? 'reconnecting' : 'connecting');
    let parts: unknown[];
    try {
      parts = [this.#options.url(), this.#options.token?.(), this.#options.headers?.()];
    } catch (cause) {
      this.#failAttempt(cause);
      return;
    }
    // Synchronous options connect synchronously: no needless microtask between table() and the socket.
    if (!parts.some(isThenable)) {
      this.#open(parts as Resolved);
      return;
    }
    Promise.all(parts).then(
      (resolved) => {
        if (generation === this.#generation && !this.#closed) this.#open(resolved as Resolved);
      },
      (cause: unknown) => {
        if (generation === this.#generation && !this.#closed) this.#failAttempt(cause);
      },
    );
  }

  #open([url, token, headers]: Resolved): void {
    let socket: WebSocketLike;
    try {
      if (typeof url !== 'string' || url === '') throw new TypeError('url() returned no URL');
      const target = token === undefined ? url : withQuery(url, 'token', token);
      socket =
        headers === undefined
          ? new this.#options.WebSocket(target, SUBPROTOCOL)
          : new this.#options.WebSocket(target, SUBPROTOCOL, { headers });
    } catch (cause) {
      this.#failAttempt(cause);
      return;
    }
    this.#socket = socket;
    try {
      // Binary frames as ArrayBuffer everywhere (browsers default to Blob, which needs async reads).
      socket.binaryType = 'arraybuffer';
    } catch {
      // Some implementations make it read-only; text frames are all the protocol uses.
    }
    socket.addEventListener('open', () => {
      if (this.#socket !== socket) return;
      this.#setState('open');
      this.#healthyTimer = this.#options.timers.setTimeout(() => {
        this.#healthyTimer = undefined;
        this.#backoff.reset();
      }, this.#options.backoff.healthyAfterMs);
      this.#handlers.open();
    });
    socket.addEventListener('message', (event) => {
      if (this.#socket !== socket) return;
      let text: string;
      try {
        text = frameText(event.data);
      } catch (cause) {
        this.#report(toClientError(cause, 'PROTOCOL'));
        return;
      }
      this.#handlers.message(text);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return;
      const code = event.code ?? 1006;
      if (AUTH_CLOSE_CODES.has(code)) {
        this.#drop(code, '');
        this.authFailed(
          new TablecastClientError('AUTH', `The bridge refused the credentials (close ${code})`),
        );
        return;
      }
      this.#lose(
        new TablecastClientError(
          'CONNECTION',
          `The socket closed (code ${code}${event.reason ? `: ${event.reason}` : ''})`,
        ),
      );
    });
    socket.addEventListener('error', (event) => {
      if (this.#socket !== socket) return;
      // Treat error as loss right away: not every implementation follows it with a close.
      const cause = (event as { error?: unknown } | undefined)?.error ?? event;
      this.#lose(new TablecastClientError('CONNECTION', 'The socket failed', { cause }));
    });
  }

  #failAttempt(cause: unknown): void {
    this.#report(
      new TablecastClientError('CONNECTION', 'Could not open the socket', {
        cause: toClientError(cause, 'CONNECTION'),
      }),
    );
    this.#lostOnce = true;
    this.#schedule(this.#backoff.next());
  }

  #lose(error: TablecastClientError): void {
    this.#drop(1000, '');
    this.#report(error);
    this.#schedule(this.#backoff.next());
  }

  /** Detaches and closes the current socket and tells the subscription side. */
  #drop(code: number, reason: string): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#lostOnce = true;
    if (this.#healthyTimer !== undefined) {
      this.#options.timers.clearTimeout(this.#healthyTimer);
      this.#healthyTimer = undefined;
    }
    // Application close codes are reserved to the server side of 4401/4403; reply with 1000.
    if (socket !== undefined) closeQuietly(socket, code >= 4000 ? 1000 : code, reason);
    this.#setState('reconnecting');
    this.#handlers.lost();
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#setState('reconnecting');
    if (this.#reconnectTimer !== undefined) this.#options.timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = this.#options.timers.setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connect();
    }, delayMs);
  }

  #clearTimers(): void {
    const { clearTimeout } = this.#options.timers;
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    if (this.#healthyTimer !== undefined) clearTimeout(this.#healthyTimer);
    this.#reconnectTimer = undefined;
    this.#healthyTimer = undefined;
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    for (const { fn } of [...this.#stateListeners]) {
      try {
        fn(state);
      } catch (cause) {
        this.#report(
          new TablecastClientError('LISTENER', 'A connection listener threw', { cause }),
        );
      }
    }
  }

  #report(error: TablecastClientError): void {
    try {
      this.#options.onError(error);
    } catch {
      // A throwing onError must not break reconnection.
    }
  }
}

/** Adds a query parameter without `URL`, which rejects the relative URLs browsers accept. */
function withQuery(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const separator = base.includes('?') ? '&' : '?';
  return `${base}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}${fragment}`;
}

function closeQuietly(socket: WebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Closing a socket that never connected throws in some implementations; it is gone either way.
  }
}
