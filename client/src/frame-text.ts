import { TablecastClientError } from './errors.js';

// Fatal: a frame with invalid UTF-8 is a protocol error, not text with U+FFFD in a key.
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a received frame. Browsers and `ws` (through addEventListener) deliver text
 * frames as strings; binary frames arrive as ArrayBuffer (binaryType 'arraybuffer') or, from
 * some Node wrappers, as a Uint8Array such as Buffer, which TextDecoder reads without Buffer.
 */
export function frameText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    try {
      return decoder.decode(data);
    } catch (cause) {
      throw new TablecastClientError('PROTOCOL', 'A server frame is not valid UTF-8', { cause });
    }
  }
  throw new TablecastClientError(
    'PROTOCOL',
    `Unsupported frame data (${Object.prototype.toString.call(data)}); expected text`,
  );
}
