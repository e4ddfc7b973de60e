import { WebSocket as WsWebSocket } from 'ws';
import type { WebSocketLikeConstructor } from './websocket-like.js';

/**
 * The WebSocket a client in Node uses when none is passed: the runtime's own (Node 22+) where
 * it exists, else the `ws` package (Node 20). Also `ws` when `headers` are set, because only
 * `ws` sends headers on the upgrade; the runtime's WebSocket would drop them silently.
 */
export function nodeWebSocket(
  wantsHeaders: boolean,
  runtime: WebSocketLikeConstructor | undefined,
): WebSocketLikeConstructor {
  if (runtime !== undefined && !wantsHeaders) return runtime;
  return WsWebSocket as unknown as WebSocketLikeConstructor;
}
