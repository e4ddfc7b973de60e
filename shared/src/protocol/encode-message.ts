import type { ClientMessage, ServerMessage } from './messages.js';

/**
 * The text frame for a message. Values in `sets` must already be WireValues (`toWireValue`):
 * this is a plain JSON.stringify, so a raw Date, Map or BigInt would arrive changed or throw.
 * A bridge encodes an unfiltered delta once and sends the same string to every socket.
 */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}
