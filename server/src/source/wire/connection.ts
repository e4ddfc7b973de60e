import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { TablecastError } from '../../errors.js';
import type { KafkaSecurityOptions } from '../../kafka-security.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';

/** One request: how to write its body and read its response. */
export interface ApiRequest<T> {
  readonly apiKey: number;
  readonly version: number;
  /** Flexible versions use request header v2 (with tagged fields). */
  readonly flexible: boolean;
  /** Whether the response header has tagged fields (flexible, except for ApiVersions). */
  readonly flexibleResponseHeader?: boolean;
  readonly encode: (e: Encoder) => void;
  readonly decode: (d: Decoder) => T;
}

export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly ssl?: KafkaSecurityOptions['ssl'];
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

interface Pending {
  readonly request: ApiRequest<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The largest response accepted: far above any fetch response the read path asks for (32 MiB by
 * default, or one batch past it), and far below what a peer could make the process allocate.
 */
const MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

/** Certificate and handshake failures that a retry cannot fix. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_)/;

/** A socket error as the read path reports it: TLS misconfiguration is fatal, the rest transient. */
export function connectionError(error: Error & { code?: string }, where: string): Error {
  if (error instanceof TablecastError) return error;
  if (typeof error.code === 'string' && TLS_CODE.test(error.code)) {
    return new TablecastError(
      'KAFKA_TLS_ERROR',
      `TLS to ${where} failed (${error.code}: ${error.message}). Check ssl (ca, cert, key, servername) against the broker's listener, and that the listener speaks TLS.`,
      { cause: error },
    );
  }
  return new Error(`Connection to ${where} failed: ${error.message}`, { cause: error });
}

/**
 * One TCP or TLS connection to a broker: frames requests with correlation ids, matches
 * responses, times requests out. Requests may be pipelined; Kafka answers in order.
 *
 * A response is copied once, into a buffer of its announced size, as its chunks arrive, so a
 * large fetch response is never re-scanned or concatenated twice.
 */
export class Connection {
  readonly #socket: Socket;
  readonly #options: ConnectionOptions;
  readonly #where: string;
  readonly #pending = new Map<number, Pending>();
  readonly #closeListeners = new Set<(error: Error | undefined) => void>();
  #correlationId = 0;
  #closed = false;
  #size = new Uint8Array(4);
  #sizeHave = 0;
  #frame: Buffer | undefined;
  #frameHave = 0;

  private constructor(socket: Socket, options: ConnectionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#where = `${options.host}:${options.port}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(connectionError(error, this.#where)));
    socket.on('close', () => this.#fail(new Error(`Connection to ${this.#where} closed.`)));
  }

  static open(options: ConnectionOptions): Promise<Connection> {
    const where = `${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      const socket = options.ssl
        ? tlsConnect({
            host: options.host,
            port: options.port,
            ...(isIP(options.host) ? {} : { servername: options.host }),
            ...(typeof options.ssl === 'object' ? options.ssl : {}),
          })
        : netConnect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`Connecting to ${where} timed out after ${options.connectTimeoutMs} ms.`));
      }, options.connectTimeoutMs);
      const onError = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(connectionError(error, where));
      };
      socket.once('error', onError);
      socket.once(options.ssl ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new Connection(socket, options));
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get where(): string {
    return this.#where;
  }

  /**
   * Calls `listener` once when the connection closes, with the error that closed it if any; at
   * once if it is closed already.
   */
  onClose(listener: (error: Error | undefined) => void): () => void {
    if (this.#closed) {
      listener(undefined);
      return () => undefined;
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  send<T>(request: ApiRequest<T>, timeoutMs = this.#options.requestTimeoutMs): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new Error(`Connection to ${this.#where} is closed.`));
    }
    const correlationId = (this.#correlationId = (this.#correlationId + 1) | 0);
    const e = new Encoder().int32(0).int16(request.apiKey).int16(request.version);
    e.int32(correlationId).string(this.#options.clientId, false).tags(request.flexible);
    request.encode(e);
    const frame = e.bytesWritten;
    frame.writeInt32BE(frame.length - 4, 0);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The broker may still answer later, but a broker that does not answer in time is
        // treated as gone: the connection is dropped and every request on it fails.
        this.#fail(new Error(`Request to ${this.#where} timed out after ${timeoutMs} ms.`));
      }, timeoutMs);
      this.#pending.set(correlationId, {
        request,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
      });
      this.#socket.write(frame);
    });
  }

  close(): void {
    this.#fail(undefined);
  }

  #fail(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    const reason = error ?? new Error(`Connection to ${this.#where} was closed.`);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(reason);
    }
    this.#pending.clear();
    for (const listener of [...this.#closeListeners]) listener(error);
    this.#closeListeners.clear();
  }

  #onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.#closed) {
      const frame = this.#frame;
      if (frame === undefined) {
        // A whole frame inside this chunk needs no copy at all.
        if (this.#sizeHave === 0 && chunk.length - at >= 4) {
          const size = chunk.readInt32BE(at);
          if (!this.#sizeOk(size)) return;
          if (chunk.length - at - 4 >= size) {
            this.#dispatch(chunk.subarray(at + 4, at + 4 + size));
            at += 4 + size;
            continue;
          }
        }
        this.#size[this.#sizeHave++] = chunk[at++]!;
        if (this.#sizeHave < 4) continue;
        this.#sizeHave = 0;
        const size = Buffer.from(this.#size.buffer).readInt32BE(0);
        if (!this.#sizeOk(size)) return;
        this.#frame = Buffer.allocUnsafe(size);
        this.#frameHave = 0;
        continue;
      }
      const n = Math.min(frame.length - this.#frameHave, chunk.length - at);
      chunk.copy(frame, this.#frameHave, at, at + n);
      this.#frameHave += n;
      at += n;
      if (this.#frameHave === frame.length) this.#finishFrame();
    }
  }

  /**
   * A response holds at least its correlation id. A size the peer cannot mean (negative, too
   * small, past MAX_RESPONSE_BYTES) ends the connection with KAFKA_PROTOCOL_ERROR.
   */
  #sizeOk(size: number): boolean {
    if (size >= 4 && size <= MAX_RESPONSE_BYTES) return true;
    this.#fail(
      new TablecastError(
        'KAFKA_PROTOCOL_ERROR',
        `${this.#where} announced a response of ${size} bytes (a response has 4 to ${MAX_RESPONSE_BYTES}); it is not a Kafka broker, or the connection is corrupt.`,
      ),
    );
    return false;
  }

  #finishFrame(): void {
    const frame = this.#frame!;
    this.#frame = undefined;
    this.#dispatch(frame);
  }

  #dispatch(frame: Buffer): void {
    const d = new Decoder(frame);
    let pending: Pending | undefined;
    try {
      const correlationId = d.int32();
      pending = this.#pending.get(correlationId);
      if (pending === undefined) throw new RangeError(`unexpected correlation id ${correlationId}`);
      this.#pending.delete(correlationId);
      clearTimeout(pending.timer);
      d.tags(pending.request.flexibleResponseHeader ?? pending.request.flexible);
      pending.resolve(pending.request.decode(d));
    } catch (error) {
      const failure = new TablecastError(
        'KAFKA_PROTOCOL_ERROR',
        `A response from ${this.#where} could not be read (${String(error)}). This is a bug in tablecast's Kafka client or a broker it does not support; please report it.`,
        { cause: error },
      );
      if (pending) pending.reject(failure);
      else this.#fail(failure);
    }
  }
}
