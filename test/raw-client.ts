import WebSocket from 'ws';
import {
  type ClientMessage,
  encodeMessage,
  parseServerMessage,
  type ServerMessage,
  SUBPROTOCOL,
} from '../shared/src/protocol/index.js';
import { ProtocolChecker } from './protocol-checker.js';

/**
 * A protocol-level client for bridge tests: raw frames in, parsed messages out, and a way to
 * await the next message that matches, without sleeping. Every message goes through a
 * ProtocolChecker: `violations` lists each invariant the bridge broke on this socket.
 */
export class RawClient {
  readonly messages: ServerMessage[] = [];
  readonly #checker = new ProtocolChecker();
  /** The text of every frame, as received. */
  readonly frames: string[] = [];
  bytesReceived = 0;
  closeCode: number | undefined;
  closeReason = '';
  readonly #socket: WebSocket;
  #waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> =
    [];
  #closed: Promise<void>;
  #seen = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const text = String(data);
      this.frames.push(text);
      this.bytesReceived += Buffer.byteLength(text);
      const message = parseServerMessage(text);
      this.messages.push(message);
      this.#checker.received(message);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    this.#closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = String(reason);
        resolve();
      }),
    );
  }

  static async connect(
    url: string,
    options: { protocol?: string | null; headers?: Record<string, string> } = {},
  ) {
    const protocol = options.protocol === undefined ? SUBPROTOCOL : options.protocol;
    const socket = new WebSocket(url, protocol === null ? [] : [protocol], {
      headers: options.headers ?? {},
    });
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    return client;
  }

  /** Every protocol invariant the bridge broke on this socket so far. */
  get violations(): readonly string[] {
    return this.#checker.violations;
  }

  send(message: ClientMessage | string): void {
    if (typeof message !== 'string') this.#checker.sent(message);
    this.#socket.send(typeof message === 'string' ? message : encodeMessage(message));
  }

  sendBinary(data: Uint8Array): void {
    this.#socket.send(data, { binary: true });
  }

  /** Sends `data` as a text frame as it is, valid UTF-8 or not. */
  sendTextBytes(data: Uint8Array): void {
    this.#socket.send(data, { binary: false });
  }

  /** The next message (after those already taken) that matches, waiting for it if needed. */
  next<T extends ServerMessage['type']>(
    type: T,
    where: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const match = (m: ServerMessage): m is Extract<ServerMessage, { type: T }> =>
      m.type === type && where(m as Extract<ServerMessage, { type: T }>);
    for (let i = this.#seen; i < this.messages.length; i++) {
      const m = this.messages[i]!;
      if (match(m)) {
        this.#seen = i + 1;
        return Promise.resolve(m);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.#seen = this.messages.length;
          resolve(m as Extract<ServerMessage, { type: T }>);
        },
      });
    });
  }

  /** Stops reading from the socket, so the bridge sees a client that does not drain. */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  closed(): Promise<void> {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#socket.readyState !== WebSocket.CLOSED) this.#socket.close();
    await this.#closed;
  }
}

/**
 * Applies snapshot and delta messages of one subscription the way a client must (I1). Throws on
 * what a client must never see (I6): a part or end without a begin, a delta before the first
 * snapshot-end or during a snapshot.
 */
export function replay(
  messages: readonly ServerMessage[],
  sub: string,
  table: string,
  filtered = false,
): Map<string, unknown> {
  let map = new Map<string, unknown>();
  let pending: { mode: string; sets: Array<[string, unknown]>; deletes: string[] } | undefined;
  let live = false;
  for (const m of messages) {
    if (m.type === 'snapshot-begin' && m.sub === sub)
      pending = { mode: m.mode, sets: [], deletes: [] };
    else if (m.type === 'snapshot-part' && m.sub === sub) {
      if (!pending) throw new Error(`I6: snapshot-part for ${sub} without a snapshot-begin`);
      for (const [k, v] of m.sets) pending.sets.push([k, v[0]]);
      pending.deletes.push(...m.deletes);
    } else if (m.type === 'snapshot-end' && m.sub === sub) {
      if (!pending) throw new Error(`I6: snapshot-end for ${sub} without a snapshot-begin`);
      if (pending.mode === 'reset') map = new Map();
      for (const k of pending.deletes) map.delete(k);
      for (const [k, v] of pending.sets) map.set(k, v);
      pending = undefined;
      live = true;
    } else if (m.type === 'delta' && (m.sub === sub || (!filtered && m.table === table))) {
      if (!live || pending) throw new Error(`I6: a delta for ${sub} before its snapshot-end`);
      for (const k of m.deletes) map.delete(k);
      for (const [k, v] of m.sets) map.set(k, v[0]);
    }
  }
  return map;
}
