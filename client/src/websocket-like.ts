/**
 * The part of the WebSocket API the client uses: what browsers, Deno, Bun, workers and Node's
 * `ws` package all provide. Listeners go through `addEventListener`, which every one of them
 * supports; `onmessage`-style properties are not used.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol?: string;
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: (event: unknown) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code?: number; reason?: string; wasClean?: boolean }) => void,
  ): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

/** What the client passes as a WebSocket constructor's third argument. */
export interface WebSocketLikeOptions {
  readonly headers?: Record<string, string>;
  /** The inbound frame limit in bytes (`ws`'s option of that name). */
  readonly maxPayload?: number;
}

/**
 * A WebSocket constructor. The third argument is only understood by Node's `ws` (`headers`,
 * `maxPayload`); browsers ignore extra constructor arguments.
 */
export type WebSocketLikeConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: WebSocketLikeOptions,
) => WebSocketLike;

/** `WebSocket.OPEN`, spelled out because a constructor injected by tests may not carry it. */
export const WEBSOCKET_OPEN = 1;
