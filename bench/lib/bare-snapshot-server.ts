/**
 * The floor under a browser's initial load: the frames of one real snapshot, recorded from the
 * bridge, served again by a bare `ws` server to a page that does the least a table needs
 * (`JSON.parse` each frame, put each entry in a Map). What tablecast's client adds on top —
 * validation, decoding, the snapshot buffer, short tasks — is the gap between the two.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { SUBPROTOCOL } from '../../shared/src/protocol/index.js';

const END = '{"type":"snapshot-end"';

/** Subscribes once to `table` and returns every frame from the first reply to snapshot-end. */
export async function recordSnapshot(
  url: string,
  table: string,
  timeoutMs: number,
): Promise<string[]> {
  const socket = new WebSocket(url, SUBPROTOCOL, { maxPayload: 256 * 1024 * 1024 });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const frames: string[] = [];
      const timer = setTimeout(
        () => reject(new Error(`no snapshot-end within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', sub: 's1', table })));
      socket.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('{"type":"welcome"')) return;
        frames.push(text);
        if (text.startsWith(END)) {
          clearTimeout(timer);
          resolve(frames);
        }
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    socket.close();
  }
}

export interface BareSnapshotServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `frames` to every connection once it sends its first message (the subscribe), as fast
 * as it takes them: at most `inFlightBytes` sent
 * and not yet handed to the kernel, like the bridge's own budget for a snapshot. `GET /frames`
 * answers the same frames as one HTTP body, a frame per line, so a page can time the browser's
 * two transports for the same bytes.
 */
export async function startBareSnapshotServer(
  frames: readonly string[],
  inFlightBytes = 2 * 1024 * 1024,
): Promise<BareSnapshotServer> {
  const body = Buffer.from(frames.join('\n'));
  const server: Server = createServer((request, response) => {
    if (request.url !== '/frames') {
      response.writeHead(426).end();
      return;
    }
    // The page is served from another loopback port.
    response.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': body.length,
      'access-control-allow-origin': '*',
    });
    response.end(body);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    let next = 0;
    let inFlight = 0;
    const pump = (): void => {
      while (next < frames.length && inFlight < inFlightBytes) {
        const frame = frames[next++]!;
        inFlight += frame.length;
        ws.send(frame, () => {
          inFlight -= frame.length;
          pump();
        });
      }
    };
    // Like a subscription: nothing is sent before the page asks, one round trip after open.
    ws.once('message', pump);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => server.close(() => resolve()));
      }),
  };
}
