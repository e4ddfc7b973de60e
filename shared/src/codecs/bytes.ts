import type { Codec } from './codec.js';

/**
 * Raw bytes, unchanged. Both directions return a fresh plain `Uint8Array`: Kafka clients may reuse
 * or pool the buffers they hand out, and a table keeps decoded values for a long time. Copying with
 * the constructor, not `.slice()`, matters because Node's `Buffer#slice` returns a shared view.
 */
export function bytes(): Codec<Uint8Array> {
  return {
    name: 'bytes',
    encode(value) {
      return new Uint8Array(value);
    },
    decode(input) {
      return new Uint8Array(input);
    },
  };
}
