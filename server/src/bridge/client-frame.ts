import {
  type ClientMessage,
  ProtocolError,
  parseClientMessage,
} from '../../../shared/src/protocol/index.js';

/** One received frame: the message it holds, or why it holds none. */
export type ClientFrame =
  | { readonly message: ClientMessage; readonly failure?: undefined }
  | { readonly message?: undefined; readonly failure: ProtocolError };

/** The byte size of a frame as ws hands it over. */
export function frameSize(data: Buffer | ArrayBuffer | Buffer[]): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
}

/** Parses a client frame; what cannot be read becomes a ProtocolError to answer with. */
export function readClientFrame(
  data: Buffer | ArrayBuffer | Buffer[],
  isBinary: boolean,
): ClientFrame {
  try {
    if (isBinary)
      throw new ProtocolError(
        'BAD_MESSAGE',
        'Binary frames are not part of the protocol; send JSON text.',
      );
    return { message: parseClientMessage(String(data)) };
  } catch (error) {
    return {
      failure:
        error instanceof ProtocolError
          ? error
          : new ProtocolError('BAD_MESSAGE', 'Unreadable message.'),
    };
  }
}
