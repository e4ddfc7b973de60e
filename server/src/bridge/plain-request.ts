import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Whether the request asks to become a WebSocket (not another protocol, such as h2c). */
export function isWebSocketUpgrade(request: IncomingMessage): boolean {
  const upgrade = request.headers.upgrade;
  return (
    upgrade?.split(',').some((protocol) => protocol.trim().toLowerCase() === 'websocket') === true
  );
}

/**
 * A response on the socket of a request Node handed over as an upgrade. An upgrade may be
 * declined (RFC 9110 §7.8): a client that offers h2c, say, is answered over HTTP/1.1 as if it
 * had not offered anything. The socket closes after the response.
 */
export function responseOnSocket(request: IncomingMessage, socket: Duplex): ServerResponse {
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket as Socket);
  response.once('finish', () => {
    response.detachSocket(socket as Socket);
    socket.end();
  });
  return response;
}
