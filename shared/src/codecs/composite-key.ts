/**
 * One flat table key per `(group, member)` pair, so a compacted topic can hold a nested
 * `{ group: { member: value } }` view in which every member is its own compaction key: writers
 * that share a group never share a key, so there is no read-modify-write and no lost update.
 *
 * `encode` must be injective and stable across processes and languages (a key must land in the
 * same partition whoever writes it). `decode` inverts it on the codec's own keys and returns
 * undefined for any other key (a foreign key on a shared topic), which readers count and skip.
 */
export interface CompositeKeyCodec {
  encode(group: string, member: string): string;
  decode(key: string): readonly [group: string, member: string] | undefined;
  /**
   * A key prefix that exactly the keys of `group` have: the bridge's `{ prefix }` filter then
   * selects one group. Every key with this prefix decodes to `group`, foreign keys included.
   */
  groupPrefix(group: string): string;
}

/** The longest decimal prefix that could still be a length: no JS string is 10^15 long. */
const MAX_LENGTH_DIGITS = 15;
const DIGITS = /^[0-9]+$/;

/**
 * The default codec of the Python `ktables` library (`LengthPrefixedKeyCodec`), byte for byte:
 * `${length(group)}${separator}${group}${member}`, where the length counts Unicode code points
 * (Python's `len`), not UTF-16 units. The digits-only prefix ends at the first separator and
 * the group is delimited by its length, not by a character, so any content round-trips and
 * nothing needs escaping. Keys it did not produce (no separator, a non-decimal or
 * non-canonical length such as `01`, a length past the key's end) decode to undefined.
 *
 * The length prefix also makes group prefixes exact: `1:a` (group "a") can never match a key
 * of group "a1", which starts `2:a1`.
 */
export function lengthPrefixedKeyCodec(
  options: { readonly separator?: string } = {},
): CompositeKeyCodec {
  const separator = options.separator ?? ':';
  if (typeof separator !== 'string' || separator.length === 0 || /[0-9]/.test(separator)) {
    throw new TypeError(
      `lengthPrefixedKeyCodec: the separator must be a non-empty string without digits, got ${JSON.stringify(separator)}.`,
    );
  }
  return {
    encode: (group, member) => `${codePointLength(group)}${separator}${group}${member}`,
    groupPrefix: (group) => `${codePointLength(group)}${separator}${group}`,
    decode(key) {
      const at = key.indexOf(separator);
      if (at <= 0 || at > MAX_LENGTH_DIGITS) return undefined;
      const head = key.slice(0, at);
      if (!DIGITS.test(head)) return undefined;
      const length = Number(head);
      // ktables rejects non-canonical lengths (leading zeros) that encode never writes.
      if (String(length) !== head) return undefined;
      const start = at + separator.length;
      const end = advanceCodePoints(key, start, length);
      if (end === undefined) return undefined;
      return [key.slice(start, end), key.slice(end)] as const;
    },
  };
}

/** The codec ktables uses when none is given: length-prefixed with `:`. */
export const defaultCompositeKeyCodec: CompositeKeyCodec = lengthPrefixedKeyCodec();

/** Code points, as Python's `len` counts them: a surrogate pair is one, a lone surrogate one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) {
    if (isPairAt(text, i)) i++;
  }
  return count;
}

/** The UTF-16 index `count` code points after `from`, or undefined past the end. */
function advanceCodePoints(text: string, from: number, count: number): number | undefined {
  let i = from;
  for (let n = 0; n < count; n++) {
    if (i >= text.length) return undefined;
    i += isPairAt(text, i) ? 2 : 1;
  }
  return i;
}

function isPairAt(text: string, i: number): boolean {
  const high = text.charCodeAt(i);
  if (high < 0xd800 || high > 0xdbff) return false;
  const low = text.charCodeAt(i + 1);
  return low >= 0xdc00 && low <= 0xdfff;
}
