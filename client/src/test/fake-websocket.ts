import type { ServerMessage } from '../../../shared/src/protocol/messages.js';
import type { WebSocketLike, WebSocketLikeOptions } from '../websocket-like.js';

type Listener = (event: never) => void;

/**
 * A WebSocket stand-in for unit tests: records what the client sends and lets the test open,
 * close, fail it and deliver server frames. Every instance is kept in `FakeWebSocket.instances`.
 */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  /** The most recently constructed socket. */
  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (socket === undefined) throw new Error('no FakeWebSocket was constructed');
    return socket;
  }

  readonly url: string;
  readonly protocols: string | string[] | undefined;
  readonly options: WebSocketLikeOptions | undefined;
  /** The selected subprotocol, set by `open()`. */
  protocol = '';
  readyState = 0;
  binaryType = 'blob';
  /** Every frame the client sent, as sent. */
  readonly sent: string[] = [];
  closeCalls: { code: number | undefined; reason: string | undefined }[] = [];
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(url: string, protocols?: string | string[], options?: WebSocketLikeOptions) {
    this.url = url;
    this.protocols = protocols;
    this.options = options;
    FakeWebSocket.instances.push(this);
  }

  /** Sent frames parsed as JSON. */
  get messages(): Record<string, unknown>[] {
    return this.sent.map((frame) => JSON.parse(frame) as Record<string, unknown>);
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.#listeners.get(type);
    if (set === undefined) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('FakeWebSocket: send while not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    if (this.readyState === 3) return;
    this.readyState = 3;
  }

  // --- Test controls ------------------------------------------------------------------------

  /**
   * The upgrade succeeds: by default like a tablecast v1 bridge, which selects the subprotocol
   * and sends `welcome` at once. `welcome: false` leaves the welcome to the test.
   */
  open(options: { protocol?: string; welcome?: boolean } = {}): void {
    this.readyState = 1;
    this.protocol = options.protocol ?? 'tablecast.v1';
    this.#emit('open', {});
    if (options.welcome ?? true) this.receive({ type: 'welcome', version: 1, bridge: 'fake' });
  }

  /** The server (or network) closes the socket. */
  serverClose(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.#emit('close', { code, reason, wasClean: code !== 1006 });
  }

  error(error: unknown = new Error('network down')): void {
    this.#emit('error', { error });
  }

  /** Delivers a raw frame (string, ArrayBuffer, Uint8Array...). */
  receiveRaw(data: unknown): void {
    this.#emit('message', { data });
  }

  /** Delivers a server message as a text frame. */
  receive(message: ServerMessage): void {
    this.receiveRaw(JSON.stringify(message));
  }

  get closed(): boolean {
    return this.readyState === 3;
  }

  #emit(type: string, event: unknown): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      (listener as (event: unknown) => void)(event);
    }
  }
}
