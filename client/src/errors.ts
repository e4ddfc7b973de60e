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
 */
export type TablecastClientErrorCode =
  | 'CONNECTION'
  | 'AUTH'
  | 'PROTOCOL'
  | 'LISTENER'
  | 'CLOSED'
  | 'CACHE'
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
