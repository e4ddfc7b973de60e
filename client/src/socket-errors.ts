import { TablecastClientError } from './errors.js';

/** Close codes a bridge uses to refuse credentials after the upgrade. */
const AUTH_CLOSE_CODES = new Set([4401, 4403]);

/**
 * Why a socket closed: `AUTH` for a bridge that refused the credentials (4401/4403, which are
 * not retried in a loop), `CONNECTION` otherwise. A close without a code counts as 1006.
 */
export function closeError(
  closeCode: number | undefined,
  reason: string | undefined,
): TablecastClientError {
  const code = closeCode ?? 1006;
  return AUTH_CLOSE_CODES.has(code)
    ? new TablecastClientError('AUTH', `The bridge refused the credentials (close ${code})`)
    : new TablecastClientError(
        'CONNECTION',
        `The socket closed (code ${code}${reason ? `: ${reason}` : ''})`,
      );
}

export function noWelcome(welcomeTimeoutMs: number): TablecastClientError {
  return new TablecastClientError(
    'PROTOCOL',
    `No welcome from the bridge within ${welcomeTimeoutMs} ms`,
  );
}

export function tooLarge(maxMessageBytes: number, cause?: unknown): TablecastClientError {
  return new TablecastClientError(
    'MESSAGE_TOO_LARGE',
    `The bridge sent a frame larger than maxMessageBytes (${maxMessageBytes}); raise the option if such frames are expected`,
    cause === undefined ? undefined : { cause },
  );
}
