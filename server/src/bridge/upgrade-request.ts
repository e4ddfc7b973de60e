import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuthorizeRequest } from './bridge-options.js';
import { requestUrl } from './request-url.js';

/** Answers an upgrade with a plain HTTP status (and the reason as the body) and closes. */
export function refuse(socket: Duplex, status: number, text: string, reason = ''): void {
  const body = reason === '' ? '' : `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function authorizeRequest(request: IncomingMessage): AuthorizeRequest {
  const cookies: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies[part.slice(0, at).trim()] = decodeCookie(part.slice(at + 1).trim());
  }
  return {
    headers: request.headers,
    url: requestUrl(request),
    cookies,
    origin: request.headers.origin,
    remoteAddress: request.socket.remoteAddress,
  };
}

/** A cookie value as sent when it is not valid percent-encoding: that is the sender's business. */
function decodeCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
