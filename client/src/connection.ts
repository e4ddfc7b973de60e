import { isThenable } from '../../shared/src/is-thenable.js';
import { Backoff } from './backoff.js';
import type { ResolvedClientOptions } from './client-options.js';
import { safeReporter, TablecastClientError, toClientError } from './errors.js';
import { frameText } from './frame-text.js';
import { goawayDelay } from './goaway-delay.js';
import {
  checkSubprotocol,
  checkWelcome,
  frameSize,
  isPayloadTooLarge,
  isSubprotocolRefused,
  wrongSubprotocol,
} from './handshake.js';
import { closeError, noWelcome, tooLarge } from './socket-errors.js';
import { closeQuietly, openSocket, socketTarget } from './socket-helpers.js';
import type { SocketTarget } from './socket-target.js';
import { WEBSOCKET_OPEN, type WebSocketLike } from './websocket-like.js';

/** `failed`: the peer is not a tablecast v1 bridge (§1); the client stopped for good. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

/** What the connection tells the subscription side. */
export interface ConnectionHandlers {
  /**
   * A socket is ready: send everything again. `handover`: it replaced a socket that was still
   * serving (after a goaway), so nothing was lost in between.
   */
  readonly open: (handover: boolean) => void;
  readonly message: (text: string) => void;
  /** A frame after the welcome was not text (not UTF-8): what it said is lost. */
  readonly unreadable: (error: TablecastClientError) => void;
  /** The socket is gone; a reconnect is scheduled unless the connection was closed. */
  readonly lost: () => void;
  /** The peer failed the handshake: the connection stopped and will not reconnect. */
  readonly failed: (error: TablecastClientError) => void;
}

/**
 * One WebSocket at a time, reopened with backoff until `close()`, and checked against §1 of the
 * protocol (subprotocol, then `welcome` v1). Knows nothing about tables: it opens, delivers
 * frame text and reports loss, like tRPC's wsLink connection.
 *
 * After a goaway the serving socket stays open while a replacement opens; the replacement
 * takes over once its `welcome` arrived (make-before-break, docs/PROTOCOL.md §11).
 */
export class Connection {
  readonly #options: ResolvedClientOptions;
  readonly #handlers: ConnectionHandlers;
  readonly #backoff: Backoff;
  readonly #report: (error: TablecastClientError) => void;
  readonly #stateListeners = new Set<{ fn: (state: ConnectionState) => void }>();

  #state: ConnectionState = 'connecting';
  /** The socket that serves: its messages are delivered, sends go to it. */
  #socket: WebSocketLike | undefined;
  /** A replacement opening after a goaway while `#socket` still serves. */
  #replacement: WebSocketLike | undefined;
  /** A goaway arrived on `#socket`: a replacement is scheduled or opening. */
  #draining = false;
  #started = false;
  #stopped = false;
  #lostOnce = false;
  /** Bumped on every attempt and on close, so a late url/token resolution is dropped. */
  #generation = 0;
  #reconnectTimer: unknown;
  #healthyTimer: unknown;
  /** One per socket waiting for its welcome. */
  readonly #welcomeTimers = new Set<unknown>();

  constructor(options: ResolvedClientOptions, handlers: ConnectionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#report = safeReporter(options.onError);
    this.#backoff = new Backoff(
      options.backoff.initialDelayMs,
      options.backoff.maxDelayMs,
      options.random,
    );
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Consecutive failed attempts (and goaways) since the last healthy socket. */
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
    if (this.#started || this.#stopped) return;
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

  /**
   * The bridge is going away (§11): after `retryAfterMs`, clamped to [250 ms, 60 s], plus a
   * jitter drawn like a reconnect delay (so repeated goaways back off like failures), open a
   * replacement. The current socket keeps serving until the replacement is ready.
   */
  goaway(retryAfterMs: number | undefined): void {
    if (this.#stopped || this.#socket === undefined || this.#draining) return;
    this.#draining = true;
    this.#schedule(goawayDelay(retryAfterMs) + this.#backoff.next());
  }

  /** The bridge refused the credentials: report it and wait `authDelayMs` before retrying. */
  authFailed(error: TablecastClientError): void {
    if (this.#stopped) return;
    this.#report(error);
    this.#dropReplacement();
    if (this.#socket !== undefined) this.#drop(1000, 'auth failed');
    this.#schedule(this.#options.backoff.authDelayMs);
  }

  close(): void {
    this.#stop('closed', 'client closed');
  }

  /** Ends the connection for good; `closed` by the application, `failed` by a bad peer. */
  #stop(state: 'closed' | 'failed', reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#generation += 1;
    this.#clearTimers();
    this.#dropReplacement();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) closeQuietly(socket, 1000, reason);
    this.#setState(state);
    this.#stateListeners.clear();
  }

  #connect(): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    // While a socket still serves (after a goaway) the application sees no change.
    if (this.#socket === undefined) this.#setState(this.#lostOnce ? 'reconnecting' : 'connecting');
    let target: SocketTarget | PromiseLike<SocketTarget>;
    try {
      target = socketTarget(this.#options);
    } catch (cause) {
      this.#failAttempt(cause);
      return;
    }
    // Synchronous options connect synchronously: no needless microtask between table() and the socket.
    if (!isThenable(target)) {
      this.#open(target);
      return;
    }
    Promise.resolve(target).then(
      (resolved) => {
        if (generation === this.#generation && !this.#stopped) this.#open(resolved);
      },
      (cause: unknown) => {
        if (generation === this.#generation && !this.#stopped) this.#failAttempt(cause);
      },
    );
  }

  #open(target: SocketTarget): void {
    let socket: WebSocketLike;
    try {
      socket = openSocket(this.#options, target);
    } catch (cause) {
      this.#failAttempt(cause);
      return;
    }
    if (this.#socket === undefined) this.#socket = socket;
    else this.#replacement = socket;
    this.#listen(socket);
  }

  #listen(socket: WebSocketLike): void {
    let welcomed = false;
    let welcomeTimer: unknown;
    const mine = () => socket === this.#socket || socket === this.#replacement;
    const clearWelcomeTimer = () => {
      if (welcomeTimer === undefined) return;
      this.#options.timers.clearTimeout(welcomeTimer);
      this.#welcomeTimers.delete(welcomeTimer);
      welcomeTimer = undefined;
    };
    const gone = (error: TablecastClientError) => {
      clearWelcomeTimer();
      if (socket === this.#replacement) this.#replacementFailed(error);
      else if (socket === this.#socket) this.#lose(error);
    };
    socket.addEventListener('open', () => {
      if (!mine()) return;
      const mismatch = checkSubprotocol(socket.protocol);
      if (mismatch !== undefined) {
        this.#fail(mismatch);
        return;
      }
      welcomeTimer = this.#options.timers.setTimeout(() => {
        this.#welcomeTimers.delete(welcomeTimer);
        welcomeTimer = undefined;
        if (!mine()) return;
        gone(noWelcome(this.#options.welcomeTimeoutMs));
      }, this.#options.welcomeTimeoutMs);
      this.#welcomeTimers.add(welcomeTimer);
      // A replacement takes over at its welcome, a first socket at once (§2: a client may
      // subscribe before the welcome arrives).
      if (socket === this.#socket) this.#ready(socket);
    });
    socket.addEventListener('message', (event) => {
      if (!mine()) return;
      if (frameSize(event.data) > this.#options.maxMessageBytes) {
        gone(tooLarge(this.#options.maxMessageBytes));
        return;
      }
      let text: string;
      try {
        text = frameText(event.data);
      } catch (cause) {
        if (!welcomed) this.#fail(toClientError(cause, 'PROTOCOL'));
        else if (socket === this.#socket)
          this.#handlers.unreadable(toClientError(cause, 'PROTOCOL'));
        else this.#report(toClientError(cause, 'PROTOCOL'));
        return;
      }
      if (!welcomed) {
        const error = checkWelcome(text);
        if (error !== undefined) {
          this.#fail(error);
          return;
        }
        welcomed = true;
        clearWelcomeTimer();
        if (socket === this.#replacement) this.#promote(socket);
      }
      if (socket === this.#socket) this.#handlers.message(text);
    });
    socket.addEventListener('close', (event) => {
      if (!mine()) return;
      const error = closeError(event.code, event.reason);
      if (error.code !== 'AUTH') {
        gone(error);
        return;
      }
      clearWelcomeTimer();
      this.authFailed(error);
    });
    socket.addEventListener('error', (event) => {
      if (!mine()) return;
      // Treat error as loss right away: not every implementation follows it with a close.
      const cause = (event as { error?: unknown } | undefined)?.error ?? event;
      if (isSubprotocolRefused(cause)) {
        this.#fail(wrongSubprotocol(undefined, cause));
        return;
      }
      gone(
        isPayloadTooLarge(cause)
          ? tooLarge(this.#options.maxMessageBytes, cause)
          : new TablecastClientError('CONNECTION', 'The socket failed', { cause }),
      );
    });
  }

  /** `socket` serves now: state open, and the subscription side sends everything on it. */
  #ready(socket: WebSocketLike, handover = false): void {
    this.#socket = socket;
    this.#draining = false;
    this.#setState('open');
    if (this.#healthyTimer !== undefined) this.#options.timers.clearTimeout(this.#healthyTimer);
    this.#healthyTimer = this.#options.timers.setTimeout(() => {
      this.#healthyTimer = undefined;
      this.#backoff.reset();
    }, this.#options.backoff.healthyAfterMs);
    this.#handlers.open(handover);
  }

  /** The replacement is welcomed: it serves from now on, and the old socket closes (§11). */
  #promote(socket: WebSocketLike): void {
    const old = this.#socket;
    this.#replacement = undefined;
    if (old !== undefined) closeQuietly(old, 1000, 'replaced after goaway');
    this.#ready(socket, old !== undefined);
  }

  #replacementFailed(error: TablecastClientError): void {
    this.#dropReplacement();
    this.#report(error);
    this.#schedule(this.#backoff.next());
  }

  /** The peer is not a tablecast v1 bridge: stop instead of reconnecting in a loop (§1). */
  #fail(error: TablecastClientError): void {
    this.#report(error);
    this.#stop('failed', 'not a tablecast v1 bridge');
    this.#handlers.failed(error);
  }

  #failAttempt(cause: unknown): void {
    this.#report(
      new TablecastClientError('CONNECTION', 'Could not open the socket', {
        cause: toClientError(cause, 'CONNECTION'),
      }),
    );
    if (this.#socket === undefined) this.#lostOnce = true;
    this.#schedule(this.#backoff.next());
  }

  #lose(error: TablecastClientError): void {
    this.#drop(1000, '');
    this.#report(error);
    // A replacement on its way (after a goaway) is the reconnect already.
    if (this.#socket === undefined && this.#reconnectTimer === undefined) {
      this.#schedule(this.#backoff.next());
    }
  }

  /** Detaches and closes the serving socket and tells the subscription side. */
  #drop(code: number, reason: string): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#draining = false;
    this.#lostOnce = true;
    if (this.#healthyTimer !== undefined) {
      this.#options.timers.clearTimeout(this.#healthyTimer);
      this.#healthyTimer = undefined;
    }
    if (socket !== undefined) closeQuietly(socket, code, reason);
    this.#setState('reconnecting');
    this.#handlers.lost();
    // Nothing serves now: a replacement still opening becomes the first socket when it opens.
    const pending = this.#replacement;
    if (pending !== undefined && pending.readyState === WEBSOCKET_OPEN) {
      this.#replacement = undefined;
      this.#ready(pending);
    } else if (pending !== undefined) {
      this.#replacement = undefined;
      this.#socket = pending;
    }
  }

  #dropReplacement(): void {
    const socket = this.#replacement;
    this.#replacement = undefined;
    if (socket !== undefined) closeQuietly(socket, 1000, 'replacement abandoned');
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#socket === undefined) this.#setState('reconnecting');
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
    for (const timer of this.#welcomeTimers) clearTimeout(timer);
    this.#welcomeTimers.clear();
    this.#reconnectTimer = undefined;
    this.#healthyTimer = undefined;
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state || this.#state === 'closed' || this.#state === 'failed') return;
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
}
