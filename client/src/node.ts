// `tablecast/client` under the "node" export condition (Node, and Deno and Bun, which honour it):
// the same surface as index.ts, with a createClient that needs no `WebSocket` option. Browser
// bundlers resolve index.ts instead, so `ws` never reaches a browser bundle.
import type { ClientOptions } from './client-options.js';
import { createClient as createClientWith, type TablecastClient } from './create-client.js';
import { defaultWebSocket } from './default-websocket.js';
import { nodeWebSocket } from './node-websocket.js';

export * from './index.js';

/** `createClient` with a default WebSocket for Node: the runtime's own, else `ws`. */
export function createClient(options: ClientOptions): TablecastClient {
  if (typeof options !== 'object' || options === null || options.WebSocket !== undefined) {
    return createClientWith(options);
  }
  const WebSocket = nodeWebSocket(options.headers !== undefined, defaultWebSocket());
  return createClientWith({ ...options, WebSocket });
}
