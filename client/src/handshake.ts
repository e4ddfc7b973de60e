import { PROTOCOL_VERSION, SUBPROTOCOL } from '../../shared/src/protocol/messages.js';
import { parseServerMessage } from '../../shared/src/protocol/parse-server-message.js';
import { TablecastClientError } from './errors.js';

/**
 * §1 of docs/PROTOCOL.md: the peer selected `tablecast.v1`. A proxy that strips the header, or
 * a server that is not a tablecast bridge, fails here; so does a `WebSocket` implementation
 * without `protocol`, which could not tell either.
 */
export function checkSubprotocol(protocol: string | undefined): TablecastClientError | undefined {
  return protocol === SUBPROTOCOL ? undefined : wrongSubprotocol(protocol);
}

export function wrongSubprotocol(
  protocol: string | undefined,
  cause?: unknown,
): TablecastClientError {
  return new TablecastClientError(
    'PROTOCOL_VERSION',
    `The server selected subprotocol ${JSON.stringify(protocol ?? '')}, not "${SUBPROTOCOL}": it is not a tablecast v1 bridge, or a proxy dropped the Sec-WebSocket-Protocol header`,
    cause === undefined ? undefined : { cause },
  );
}

/** §1: the first message is `welcome` with version 1. Undefined when it is. */
export function checkWelcome(text: string): TablecastClientError | undefined {
  let type: string;
  try {
    type = parseServerMessage(text).type;
  } catch (cause) {
    // The parser names an unknown version itself (a PROTOCOL_VERSION ProtocolError).
    const message = cause instanceof Error ? cause.message : String(cause);
    return new TablecastClientError(
      'PROTOCOL_VERSION',
      `The first message is not a tablecast welcome (${message})`,
      { cause },
    );
  }
  if (type === 'welcome') return undefined;
  return new TablecastClientError(
    'PROTOCOL_VERSION',
    `The first message is "${type}", not "welcome" (version ${PROTOCOL_VERSION}): the server does not speak the tablecast protocol`,
  );
}

/**
 * A frame's size for the inbound limit: exact for binary data; for text, its UTF-16 length,
 * which never exceeds its UTF-8 bytes, so a frame within the limit is never refused.
 */
export function frameSize(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/**
 * Whether a socket error is Node's `ws` failing the upgrade because the server selected no
 * subprotocol, or another one. Browsers report the same case as a plain failure (1006), which
 * the client cannot tell from a network error.
 */
export function isSubprotocolRefused(error: unknown): boolean {
  return error instanceof Error && /^Server sent (no|an invalid) subprotocol$/.test(error.message);
}

/** Whether a socket error is `ws` refusing a frame above `maxPayload`. */
export function isPayloadTooLarge(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
  );
}
