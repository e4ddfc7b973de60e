import type { ErrorCode, WriteErrorCode } from '../../shared/src/protocol/messages.js';

/**
 * Stable codes so callers branch on `error.code`, never on messages. Server error codes pass
 * through unchanged; the rest are the client's own:
 * - `CONNECTION`: the socket failed, closed unexpectedly or could not be created.
 * - `AUTH`: the bridge refused the credentials (close code 4401/4403, or FORBIDDEN with no sub).
 * - `PROTOCOL`: a server frame could not be parsed or broke the snapshot/delta sequence.
 * - `LISTENER`: a listener registered by the application threw.
 * - `CLOSED`: the client or handle was closed.
 * - `CACHE`: a cache entry was discarded (bad shape, wrong version, undecodable value), or the
 *   cache failed to load, save or delete. The client carries on without it.
 * - A refused write carries the bridge's reason: `NOT_WRITABLE`, `FORBIDDEN`, `INVALID`,
 *   `RATE_LIMITED`, `TIMEOUT` (no answer in time: the write may still land), `KAFKA_UNAVAILABLE`.
 * - `HTTP_SNAPSHOT`: with a `snapshotSource` (`httpSnapshots()`), loading a table's first
 *   snapshot failed (network, CORS, an HTTP status, a cut or malformed body, silence). The table
 *   loads over the socket instead, and so do the client's later tables.
 * - `UNSUPPORTED_VALUE`: a value needs superjson and the client was created without
 *   `wireValues: superjsonValues`; the table fails rather than show a wrong value.
 *
 * Server codes the client also raises itself: `PROTOCOL_VERSION` (the peer is not a v1 bridge:
 * wrong subprotocol, or a first message other than `welcome` v1; the client stops) and
 * `MESSAGE_TOO_LARGE` (a frame above `maxMessageBytes`; the client reconnects with backoff).
 */
export type TablecastClientErrorCode =
  | 'CONNECTION'
  | 'AUTH'
  | 'PROTOCOL'
  | 'LISTENER'
  | 'CLOSED'
  | 'CACHE'
  | 'HTTP_SNAPSHOT'
  | 'UNSUPPORTED_VALUE'
  | 'UNKNOWN'
  | ErrorCode
  | WriteErrorCode;

export class TablecastClientError extends Error {
  readonly code: TablecastClientErrorCode;
  /** The table the error is about, when there is one. */
  readonly table: string | undefined;

  constructor(
    code: TablecastClientErrorCode,
    message: string,
    options?: { cause?: unknown; table?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TablecastClientError';
    this.code = code;
    this.table = options?.table;
  }
}

/** Turns anything thrown into a TablecastClientError, keeping those as they are. */
export function toClientError(
  value: unknown,
  code: TablecastClientErrorCode = 'UNKNOWN',
): TablecastClientError {
  if (value instanceof TablecastClientError) return value;
  // Duck-typed so a ProtocolError from the shared package maps without importing its class.
  if (value instanceof Error && (value as { name?: unknown }).name === 'ProtocolError') {
    return new TablecastClientError('PROTOCOL', value.message, { cause: value });
  }
  if (value instanceof Error)
    return new TablecastClientError(code, value.message, { cause: value });
  return new TablecastClientError(code, `Non-error thrown: ${String(value)}`, { cause: value });
}

/** A reporter that never throws: a throwing `onError` must not break message handling. */
export function safeReporter(
  onError: (error: TablecastClientError) => void,
): (error: TablecastClientError) => void {
  return (error) => {
    try {
      onError(error);
    } catch {
      // Nothing is left to report to; the caller's work must go on.
    }
  };
}

/** Runs checks, turning their errors into the TypeError an API caller expects. */
export function asTypeError<T>(what: string, check: () => T): T {
  try {
    return check();
  } catch (cause) {
    if (cause instanceof TypeError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new TypeError(`${what}: ${message}`, { cause });
  }
}
