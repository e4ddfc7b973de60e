import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { TablecastError } from '../../errors.js';
import type { KafkaSecurityOptions } from '../../kafka-security.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';
import { ResponseFrames } from './response-frames.js';

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
 * A response lands in a buffer of its announced size, over TCP straight from the socket (see
 * {@link ResponseFrames}), so a large fetch response is never re-scanned or concatenated.
 */
export class Connection {
  readonly #socket: Socket;
  readonly #options: ConnectionOptions;
  readonly #where: string;
  readonly #pending = new Map<number, Pending>();
  readonly #closeListeners = new Set<(error: Error | undefined) => void>();
  readonly #frames: ResponseFrames;
  #correlationId = 0;
  #closed = false;

  private constructor(socket: Socket, frames: ResponseFrames, options: ConnectionOptions) {
    this.#socket = socket;
    this.#frames = frames;
    this.#options = options;
    this.#where = `${options.host}:${options.port}`;
    frames.listen({
      frame: (frame) => this.#dispatch(frame),
      sizeOk: (size) => this.#sizeOk(size),
    });
    socket.setNoDelay(true);
    // A TLS socket has no onread: it hands over chunks.
    if (options.ssl) socket.on('data', (chunk: Buffer) => frames.chunk(chunk));
    socket.on('error', (error) => this.#fail(connectionError(error, this.#where)));
    socket.on('close', () => this.#fail(new Error(`Connection to ${this.#where} closed.`)));
  }

  static open(options: ConnectionOptions): Promise<Connection> {
    const where = `${options.host}:${options.port}`;
    const frames = new ResponseFrames();
    return new Promise((resolve, reject) => {
      const socket = options.ssl
        ? tlsConnect({
            host: options.host,
            port: options.port,
            ...(isIP(options.host) ? {} : { servername: options.host }),
            ...(typeof options.ssl === 'object' ? options.ssl : {}),
          })
        : netConnect({
            host: options.host,
            port: options.port,
            onread: {
              buffer: () => frames.target(),
              // Always true: the socket keeps reading, as a 'data' listener would have it.
              callback: (n, buffer) => {
                frames.read(n, buffer as Buffer);
                return true;
              },
            },
          });
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
        resolve(new Connection(socket, frames, options));
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
    this.#frames.stop();
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
