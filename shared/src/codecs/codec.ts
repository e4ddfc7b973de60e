/**
 * Turns values into bytes and back. `decode` may throw: a table counts that as a decode error
 * and keeps the previous value, so a codec never needs to be defensive about bad input.
 */
export interface Codec<T> {
  /** Short name used in errors, metrics and the wire protocol. */
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /**
   * True when `decode` is exactly `JSON.parse` of the bytes' UTF-8 text, with no validation or
   * transformation: a table then keeps that text as the value's wire form instead of encoding
   * the decoded value again. Leave it unset when in doubt; it only saves work.
   */
  readonly jsonText?: boolean;
}
