import type { WebSocketLikeConstructor } from './websocket-like.js';

/**
 * The WebSocket the runtime provides (browsers, workers, Deno, Bun, Node 22+), or undefined.
 * `tablecast/client` under Node resolves to `node.ts`, which falls back to the `ws` package; this
 * file must not import `ws`, so that browser bundles never contain it.
 */
export function defaultWebSocket(): WebSocketLikeConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketLikeConstructor }).WebSocket;
}
