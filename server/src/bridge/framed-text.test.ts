import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { FramedText, writeFramed } from './framed-text.js';

interface Pair {
  server: WebSocket;
  client: WebSocket;
  received: string[];
  /** Resolves once `count` messages arrived. */
  arrived(count: number): Promise<void>;
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

/** A ws server and a real ws client connected to it over loopback. */
async function connect(): Promise<Pair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const received: string[] = [];
  const waiting: Array<[number, () => void]> = [];
  client.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    received.push(String(data));
    for (const [count, resolve] of waiting) if (received.length >= count) resolve();
  });
  const arrived = (count: number) =>
    new Promise<void>((resolve) => {
      if (received.length >= count) resolve();
      else waiting.push([count, resolve]);
    });
  await new Promise((resolve) => client.once('open', resolve));
  const server = await serverSide;
  open.push(async () => {
    client.terminate();
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
  return { server, client, received, arrived };
}

/** The bytes `send` writes to the server's TCP socket. */
function written(server: WebSocket, send: () => void): Buffer {
  const socket = (server as unknown as { _socket: { write: (...a: unknown[]) => boolean } })
    ._socket;
  const chunks: Buffer[] = [];
  const write = socket.write;
  socket.write = (data: unknown, ...rest: unknown[]) => {
    chunks.push(Buffer.from(data as string));
    return write.call(socket, data, ...rest);
  };
  try {
    send();
  } finally {
    socket.write = write;
  }
  return Buffer.concat(chunks);
}

// One of each header length (7-bit, 16-bit, 64-bit payload length), and multi-byte UTF-8.
const texts = ['', '{"type":"delta"}', `"${'é€😀'.repeat(40)}"`, 'x'.repeat(70_000)];

describe('FramedText', () => {
  it('is byte for byte the frame ws.send writes for the same text', async () => {
    const { server } = await connect();
    for (const text of texts) {
      const bySend = written(server, () => server.send(text));
      const framed = new FramedText(text);
      expect(written(server, () => writeFramed(server, framed))).toEqual(bySend);
      expect(framed.bytes).toEqual(bySend);
      expect(framed.payloadBytes).toBe(Buffer.byteLength(text));
    }
  });

  it('reaches a ws client as the same text messages, in order with ws.send', async () => {
    const { server, received, arrived } = await connect();
    const expected: string[] = [];
    for (const text of texts) {
      const framed = new FramedText(text);
      // The same frame to the same socket twice: its bytes are shared, never consumed.
      writeFramed(server, framed);
      server.send(`after ${text.length}`);
      writeFramed(server, framed);
      expected.push(text, `after ${text.length}`, text);
    }
    await arrived(expected.length);
    expect(received).toEqual(expected);
  });

  it('counts in bufferedAmount, so the per-socket send budget sees these bytes', async () => {
    const { server, client } = await connect();
    // The client stops reading: once the kernel's buffers are full, writes queue in the process.
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = new FramedText('y'.repeat(1 << 20));
    while (server.bufferedAmount === 0) writeFramed(server, big);
    const before = server.bufferedAmount;
    const small = new FramedText('{"type":"delta","sets":[]}');
    writeFramed(server, small);
    expect(server.bufferedAmount).toBe(before + small.bytes.length);
    let flushed = false;
    const done = new Promise<void>((resolve) =>
      writeFramed(server, small, () => {
        flushed = true;
        resolve();
      }),
    );
    expect(flushed).toBe(false);
    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    await done;
    expect(server.bufferedAmount).toBe(0);
  });
});
