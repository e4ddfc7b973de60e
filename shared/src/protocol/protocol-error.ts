import type { ErrorCode } from './messages.js';

/**
 * Thrown when a frame is not a valid protocol message, or a wire value cannot be decoded. The
 * `code` is an `ErrorCode`, so a bridge can answer with an `error` message without mapping.
 */
export class ProtocolError extends Error {
  /** Stable across bundlers and realms, where `instanceof` checks can fail. */
  readonly code: ErrorCode;
  /**
   * The subscription the bad frame named, when its `sub` was itself valid: the bridge puts it in
   * its `error` reply so the client can fail that subscription instead of waiting for a snapshot.
   * Declared only, so an error without one has no `sub` property rather than an own undefined.
   */
  declare readonly sub?: string;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; sub?: string }) {
    super(
      message,
      options !== undefined && 'cause' in options ? { cause: options.cause } : undefined,
    );
    this.name = 'ProtocolError';
    this.code = code;
    if (options?.sub !== undefined) this.sub = options.sub;
  }
}
