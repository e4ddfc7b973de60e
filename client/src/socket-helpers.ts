import type { WebSocketLike } from './websocket-like.js';

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
