import type { Codec } from './codec.js';
import { decodeUtf8 } from './utf8-decoder.js';

const encoder = new TextEncoder();

// With the `u` flag, paired surrogates form one code point, so this only matches lone halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Strings as UTF-8. Invalid bytes throw a `CodecError` rather than decoding to U+FFFD, and strings
 * with lone surrogates throw a `TypeError` on encode: TextEncoder would silently replace them with
 * U+FFFD, so distinct keys could be written as the same bytes.
 */
export function utf8(): Codec<string> {
  return {
    name: 'utf8',
    encode(value) {
      if (LONE_SURROGATE.test(value)) {
        throw new TypeError(
          'utf8 codec: string contains a lone surrogate and is not valid Unicode',
        );
      }
      return encoder.encode(value);
    },
    decode(bytes) {
      return decodeUtf8('utf8', bytes);
    },
  };
}
