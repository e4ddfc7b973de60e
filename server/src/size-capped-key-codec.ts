import type { Codec } from '../../shared/src/codecs/codec.js';
import { CodecError } from '../../shared/src/codecs/codec-error.js';

/**
 * The default `maxKeyBytes`: Kafka's default largest record. A key goes into every snapshot and
 * delta that names it, so one a small compressed batch inflates to megabytes would otherwise
 * reach every client, and a client refuses frames past its `maxMessageBytes`.
 */
export const DEFAULT_MAX_KEY_BYTES = 1024 * 1024;

/**
 * `codec` whose decode refuses keys longer than `maxBytes` before decoding them: a table counts
 * such a key as one that does not decode (`keyDecodeErrors`) and skips its record, tombstones
 * too, as it does in every kind of table. Encoding is the codec's own.
 */
export function sizeCappedKeyCodec(codec: Codec<string>, maxBytes: number): Codec<string> {
  return {
    name: codec.name,
    encode: (key) => codec.encode(key),
    decode(bytes) {
      if (bytes.length > maxBytes) {
        throw new CodecError(
          codec.name,
          `a key of ${bytes.length} bytes, over the table's maxKeyBytes of ${maxBytes}`,
        );
      }
      return codec.decode(bytes);
    },
  };
}
