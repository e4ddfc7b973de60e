import { CodecError } from './codec-error.js';

// Fatal so that invalid bytes surface as an error instead of U+FFFD, which could make two
// different keys collide. ignoreBOM keeps a leading U+FEFF as data: stripping it would change a
// key's identity. Stateless for one-shot decode() calls, so one shared instance is safe.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly, reporting failures as a `CodecError` of the calling codec. */
export function decodeUtf8(codec: string, bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new CodecError(codec, 'invalid UTF-8', { cause });
  }
}
