import type { WebSocket } from 'ws';
import * as wsModule from 'ws';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

/** ws exports its Sender (lib/sender.js) but @types/ws does not declare it. */
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
};

/**
 * A text message framed once for many sockets: the bytes of one unmasked, final WebSocket text
 * frame (header and UTF-8 payload in one Buffer). `ws.send(text)` measures, encodes and frames
 * the string again for every socket; a delta that goes to a thousand sockets is encoded once and
 * the same Buffer is written to each.
 */
export class FramedText {
  readonly bytes: Buffer;
  /** The payload's length in bytes (the frame is a few bytes longer). */
  readonly payloadBytes: number;

  constructor(readonly text: string) {
    const data = Buffer.from(text);
    this.payloadBytes = data.length;
    const [header, payload] = Sender.frame(data, {
      fin: true,
      opcode: 0x1,
      mask: false,
      readOnly: true,
      rsv1: false,
    });
    this.bytes = payload === undefined ? header! : Buffer.concat([header!, payload]);
  }
}

/** What this module needs of ws's internals; see {@link writeFramed}. */
interface WsInternals {
  _socket?: { write(data: Buffer, cb?: (error?: Error) => void): boolean; destroyed: boolean };
  _sender?: { _state: number; _bufferedBytes: number };
}

/**
 * Writes a pre-framed message to an open socket, in order with everything `ws.send` wrote
 * before it. ws has no public API for sending framed bytes, so this writes to the socket ws
 * writes to. That is the same stream `ws.send` ends in: without permessage-deflate and without
 * Blob data (the bridge uses neither) ws's sender writes every frame at once and queues
 * nothing, so the order is kept and `bufferedAmount` (the socket's writable length) counts these
 * bytes as it counts ws's own. If the sender ever has something queued, the frame's text goes
 * through `ws.send` instead, behind it.
 */
export function writeFramed(
  ws: WebSocket,
  frame: FramedText,
  flushed?: (error?: Error) => void,
): void {
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  if (
    socket === undefined ||
    socket.destroyed ||
    sender === undefined ||
    sender._state !== 0 ||
    sender._bufferedBytes !== 0
  ) {
    ws.send(frame.text, flushed);
    return;
  }
  socket.write(frame.bytes, flushed);
}
