import type { Codec } from '../../shared/src/codecs/codec.js';
import { CodecError } from '../../shared/src/codecs/codec-error.js';
import { decodeUtf8 } from '../../shared/src/codecs/utf8-decoder.js';
import { fromWireValue, toWireValue } from '../../shared/src/protocol/wire-value.js';
import { jsonErrorAt } from './json-bytes.js';

/**
 * Why a record's value was not stored: it did not decode, its wire form cannot be made, or it is
 * longer than the table's `maxValueBytes`.
 */
export type ValueFailure = 'decode' | 'encode' | 'size';

/**
 * The default `maxValueBytes`: 16 times Kafka's default largest record, and a quarter of the
 * TypeScript client's default frame limit, so a stored value always fits a frame it accepts.
 */
export const DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024;

/**
 * Turns a record's value bytes into the form a table stores, and back.
 *
 * A table keeps every value as the JSON text of its wire form, not as the decoded value: text
 * costs about its length in memory where a decoded object costs several times that, and the
 * bridge sends the text as it is. Two kinds of text:
 * - plain: the JSON of the value itself, whose wire value is `[text]`. For a codec whose decode is
 *   JSON.parse of the UTF-8 text (`Codec.jsonText`), that is the record's own text: no
 *   re-encoding, and a value that parses can always be stored.
 * - otherwise the whole wire value, `JSON.stringify(toWireValue(decoded))`, e.g. `[json, meta]`.
 *
 * Encoding happens once, when the record is applied, so a value the wire cannot carry (nested
 * too deep for superjson, a key superjson refuses, ...) is rejected there like a value that does
 * not decode, instead of failing later for every client that reads it.
 *
 * Reads decode the text again (`JSON.parse`, then `fromWireValue` when there is meta): every read
 * returns a fresh value, and server-side readers see exactly what clients see.
 */
export class StoredValueCodec<V> {
  /** Set by a successful {@link encode}: the stored text. */
  text = '';
  /** Set by a successful {@link encode}: whether `text` is the plain JSON of the value. */
  plain = false;
  /** Set by a failed {@link encode}: what the codec or the wire encoding threw. */
  error: unknown;

  readonly #codec: Codec<V>;
  readonly #maxBytes: number;

  constructor(codec: Codec<V>, maxBytes = DEFAULT_MAX_VALUE_BYTES) {
    this.#codec = codec;
    this.#maxBytes = maxBytes;
  }

  /**
   * Decodes (validates) `bytes` and makes the text to store. The result lands in `text` and
   * `plain` rather than in a returned object: during a replay this runs for every stored record,
   * and an allocation per record shows in the replay's cost.
   */
  encode(bytes: Uint8Array): ValueFailure | undefined {
    // Before decoding: a record a small compressed batch inflates to hundreds of megabytes is
    // refused without building its text, and no client is sent a frame it would refuse.
    if (bytes.length > this.#maxBytes) {
      this.error = new RangeError(
        `${bytes.length} bytes, over the table's maxValueBytes of ${this.#maxBytes}`,
      );
      return 'size';
    }
    const codec = this.#codec;
    if (codec.jsonText === true) {
      // Validated on the bytes: JSON.parse would build the whole value only to drop it.
      const wrong = jsonErrorAt(bytes);
      if (wrong !== -1) {
        this.error = new CodecError(codec.name, `invalid JSON at byte ${wrong}`);
        return 'decode';
      }
      try {
        this.text = decodeUtf8(codec.name, bytes);
        this.plain = true;
        return undefined;
      } catch (error) {
        this.error = error;
        return 'decode';
      }
    }
    let value: V;
    try {
      value = codec.decode(bytes);
    } catch (error) {
      this.error = error;
      return 'decode';
    }
    try {
      const wire = toWireValue(value);
      if (wire.length === 1) {
        this.text = JSON.stringify(wire[0]);
        this.plain = true;
      } else {
        this.text = JSON.stringify(wire);
        this.plain = false;
      }
      return undefined;
    } catch (error) {
      this.error = error;
      return 'encode';
    }
  }
}

/**
 * The stored form of a value a table computed itself (a stream row, an aggregate): `plain` when
 * its wire value is `[json]`. Throws what the wire encoding throws for a value it cannot carry.
 */
export function storedText(value: unknown): { text: string; plain: boolean } {
  const wire = toWireValue(value);
  return wire.length === 1
    ? { text: JSON.stringify(wire[0]), plain: true }
    : { text: JSON.stringify(wire), plain: false };
}

/** The value a stored text stands for. */
export function decodeStored<V>(text: string, plain: boolean): V {
  const json: unknown = JSON.parse(text);
  return (plain ? json : fromWireValue(json as [unknown, unknown])) as V;
}

/** The wire value (`[json]` or `[json, meta]`) of a stored text, as JSON text. */
export function wireValueText(text: string, plain: boolean): string {
  return plain ? `[${text}]` : text;
}
