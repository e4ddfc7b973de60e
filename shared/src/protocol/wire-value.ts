import SuperJSON from 'superjson';
import { fromBase64, toBase64 } from './base64.js';
import type { WireValue } from './messages.js';
import { isPlainJson } from './plain-json.js';
import { ProtocolError } from './protocol-error.js';

type Serializable = Parameters<typeof SuperJSON.serialize>[0];

/**
 * Bytes travel as base64: superjson's own typed-array form is an array of numbers, about four
 * times the size of the bytes, and slow to make and parse. Registered here, on the global
 * instance, so bridge and client agree wherever wire values are made or read.
 */
SuperJSON.registerCustom<Uint8Array, string>(
  {
    isApplicable: (value): value is Uint8Array => value instanceof Uint8Array,
    serialize: toBase64,
    deserialize: fromBase64,
  },
  'tablecast:bytes',
);
type Envelope = Parameters<typeof SuperJSON.deserialize>[0];

/**
 * A value as it travels inside a message: `[json]` when plain JSON carries it unchanged,
 * otherwise superjson's `[json, meta]`, so Date, Map, Set, BigInt, undefined, NaN and -0 survive.
 * Uses the global `SuperJSON` instance: classes registered on it apply here too.
 *
 * Plain JSON skips superjson: most tables hold JSON, deltas are encoded on the bridge's hot
 * path, and superjson refuses any object with a `constructor`, `prototype` or `__proto__` key,
 * which ordinary JSON records may well have. Such keys still throw in values that need meta.
 */
export function toWireValue(value: unknown): WireValue {
  if (isPlainJson(value)) return [value];
  let envelope: ReturnType<typeof SuperJSON.serialize>;
  try {
    envelope = SuperJSON.serialize(value as Serializable);
  } catch (cause) {
    throw new TypeError(`wire value: value is not serialisable (${describe(cause)})`, { cause });
  }
  // A top-level function or symbol passes through superjson untouched and JSON.stringify would
  // send it as null: the receiver would see a different value than the one that was set.
  const kind = typeof envelope.json;
  if (kind === 'function' || kind === 'symbol') {
    throw new TypeError(`wire value: value of type ${kind} is not serialisable`);
  }
  return envelope.meta === undefined ? [envelope.json] : [envelope.json, envelope.meta];
}

/**
 * The value a wire value stands for. Throws a `BAD_MESSAGE` ProtocolError when the meta is not
 * superjson's: the parsers check its shape, not its contents.
 */
export function fromWireValue(wire: WireValue): unknown {
  // Without meta there is nothing to revive, and superjson would only copy the value.
  if (wire.length === 1) return wire[0];
  try {
    return SuperJSON.deserialize({ json: wire[0], meta: wire[1] } as Envelope);
  } catch (cause) {
    throw new ProtocolError(
      'BAD_MESSAGE',
      `wire value has invalid superjson meta (${describe(cause)})`,
      { cause },
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
