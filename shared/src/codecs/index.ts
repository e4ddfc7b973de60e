import { bytes } from './bytes.js';
import { json } from './json.js';
import { superjsonCodec } from './superjson.js';
import { utf8 } from './utf8.js';

export { bytes } from './bytes.js';
export type { Codec } from './codec.js';
export { CodecError } from './codec-error.js';
export {
  type CompositeKeyCodec,
  defaultCompositeKeyCodec,
  lengthPrefixedKeyCodec,
} from './composite-key.js';
export { type JsonCodecOptions, json } from './json.js';
export { superjsonCodec } from './superjson.js';
export { utf8 } from './utf8.js';

/** All built-in codec factories, e.g. `codecs.json({ schema })`. */
export const codecs = { utf8, bytes, json, superjson: superjsonCodec } as const;
