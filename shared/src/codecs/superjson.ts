import SuperJSON from 'superjson';
import type { Codec } from './codec.js';
import { CodecError } from './codec-error.js';
import { decodeUtf8 } from './utf8-decoder.js';

const encoder = new TextEncoder();

/**
 * superjson text in UTF-8, so `Date`, `Map`, `Set`, `BigInt`, `undefined` and friends survive the
 * round trip. Uses the global `SuperJSON` instance: classes registered on it apply here too.
 */
export function superjsonCodec<T = unknown>(): Codec<T> {
  return {
    name: 'superjson',
    encode(value) {
      let envelope: ReturnType<typeof SuperJSON.serialize>;
      try {
        envelope = SuperJSON.serialize(value as Parameters<typeof SuperJSON.serialize>[0]);
      } catch (cause) {
        // superjson refuses keys such as `__proto__`, `prototype` and `constructor`.
        throw new TypeError(`superjson codec: value is not serialisable (${describe(cause)})`, {
          cause,
        });
      }
      // A top-level function or symbol passes through untouched and would be dropped by
      // JSON.stringify, leaving an envelope that decodes as undefined.
      const kind = typeof envelope.json;
      if (kind === 'function' || kind === 'symbol') {
        throw new TypeError(`superjson codec: value of type ${kind} is not serialisable`);
      }
      return encoder.encode(JSON.stringify(envelope));
    },
    decode(bytes) {
      const text = decodeUtf8('superjson', bytes);
      let envelope: unknown;
      try {
        envelope = JSON.parse(text);
      } catch (cause) {
        throw new CodecError('superjson', 'invalid JSON', { cause });
      }
      // superjson itself turns many non-envelopes (`5`, `{}`) into undefined instead of failing.
      if (!isEnvelope(envelope)) {
        throw new CodecError(
          'superjson',
          'not a superjson envelope ({"json": ..., "meta"?: {...}})',
        );
      }
      try {
        return SuperJSON.deserialize<T>(envelope);
      } catch (cause) {
        throw new CodecError('superjson', 'invalid superjson metadata', { cause });
      }
    },
  };
}

function isEnvelope(value: unknown): value is Parameters<typeof SuperJSON.deserialize>[0] {
  if (!isPlainObject(value) || !Object.hasOwn(value, 'json')) return false;
  for (const key of Object.keys(value)) {
    if (key !== 'json' && key !== 'meta') return false;
  }
  return !Object.hasOwn(value, 'meta') || value.meta === undefined || isPlainObject(value.meta);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
