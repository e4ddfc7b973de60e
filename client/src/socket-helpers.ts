import { isThenable } from '../../shared/src/is-thenable.js';
import { SUBPROTOCOL } from '../../shared/src/protocol/messages.js';
import type { ResolvedClientOptions } from './client-options.js';
import type { SocketTarget } from './socket-target.js';
import type { WebSocketLike } from './websocket-like.js';

/** Evaluates the options for one attempt: synchronous when all of them are. May throw. */
export function socketTarget(
  options: ResolvedClientOptions,
): SocketTarget | PromiseLike<SocketTarget> {
  const parts = [options.url(), options.token?.(), options.headers?.()] as const;
  if (!parts.some(isThenable)) return parts as SocketTarget;
  return Promise.all(parts) as Promise<SocketTarget>;
}

/** A new socket offering `tablecast.v1`. Throws what the constructor throws. */
export function openSocket(
  options: ResolvedClientOptions,
  [url, token, headers]: SocketTarget,
): WebSocketLike {
  if (typeof url !== 'string' || url === '') throw new TypeError('url() returned no URL');
  const target = token === undefined ? url : withQuery(url, 'token', token);
  // `maxPayload` makes Node's `ws` refuse a larger frame before buffering it; browsers ignore
  // the third argument and the connection measures each frame instead.
  const maxPayload = options.maxMessageBytes;
  const socket = new options.WebSocket(
    target,
    SUBPROTOCOL,
    headers === undefined ? { maxPayload } : { headers, maxPayload },
  );
  try {
    // Binary frames as ArrayBuffer everywhere (browsers default to Blob, which needs async reads).
    socket.binaryType = 'arraybuffer';
  } catch {
    // Some implementations make it read-only; text frames are all the protocol uses.
  }
  return socket;
}

/** Adds a query parameter without `URL`, which rejects the relative URLs browsers accept. */
export function withQuery(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const separator = base.includes('?') ? '&' : '?';
  return `${base}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}${fragment}`;
}

/**
 * Closes without throwing. Application codes (4xxx) are the server's to send and browsers
 * refuse 1009 and friends from scripts, so anything but 1000 and 3000–3999 becomes 1000.
 */
export function closeQuietly(socket: WebSocketLike, code: number, reason: string): void {
  const allowed = code === 1000 || (code >= 3000 && code < 4000);
  try {
    socket.close(allowed ? code : 1000, reason);
  } catch {
    // Closing a socket that never connected throws in some implementations; it is gone either way.
  }
}
