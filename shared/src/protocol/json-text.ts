/**
 * Finds where JSON (RFC 8259) ends inside a longer text, checking it exactly as `JSON.parse`
 * would accept it, without building anything. The client keeps a snapshot's values as places in
 * their frame's text and parses one when it is first read; this is what makes that safe: a
 * value the parser would refuse never gets a place.
 *
 * The bridge's `server/src/json-bytes.ts` does the same job on UTF-8 bytes. This one reads a
 * string, where V8's compiled regular expressions read strings and numbers faster than a loop of
 * `charCodeAt` (~20% on 200-byte objects in Node), in less code for the browser bundle.
 */

/**
 * What ends a run of plain characters in a JSON string: its closing quote, an escape, or a raw
 * control character (refused). A search for one character, so a string of any length is one
 * step per escape, never a backtracking match that could run out of stack.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings refuse raw U+0000–U+001F.
const SPECIAL = /["\\\u0000-\u001f]/g;
const HEX4 = /[0-9a-fA-F]{4}/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
/** Closing brackets of the containers open, innermost last. */
const open: number[] = [];

/** The index just after the JSON value at `from` (white space before it skipped), or -1. */
export function jsonValueEnd(text: string, from: number): number {
  // Containers are not recursed into, so any depth is fine (JSON.parse takes any depth too).
  open.length = 0;
  let at = from;
  for (;;) {
    at = jsonSpaceEnd(text, at);
    const c = text.charCodeAt(at);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      at = jsonSpaceEnd(text, at + 1);
      // '}' and ']' are 2 past '{' and '['.
      if (text.charCodeAt(at) === c + 2) {
        at++;
      } else {
        open.push(c + 2);
        if (c === OPEN_OBJECT && (at = memberName(text, at)) === -1) return -1;
        continue;
      }
    } else if ((at = scalarEnd(text, at, c)) === -1) {
      return -1;
    }
    // After a value: done at depth 0, else close containers, or a comma and the next member.
    for (;;) {
      if (open.length === 0) return at;
      at = jsonSpaceEnd(text, at);
      const next = text.charCodeAt(at);
      const close = open[open.length - 1];
      if (next === 0x2c) {
        at = close === 0x7d ? memberName(text, at + 1) : at + 1;
        if (at === -1) return -1;
        break;
      }
      if (next !== close) return -1;
      at++;
      open.pop();
    }
  }
}

/**
 * The index just after the JSON string whose opening quote is at `from`, or -1. Lone
 * surrogates pass, as through JSON.parse: the text is UTF-16 already.
 */
export function jsonStringEnd(text: string, from: number): number {
  let at = from + 1;
  for (;;) {
    SPECIAL.lastIndex = at;
    if (!SPECIAL.test(text)) return -1;
    const i = SPECIAL.lastIndex - 1;
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c !== 0x5c) return -1;
    const e = text.charCodeAt(i + 1);
    if (e === 0x75) {
      if (token(HEX4, text, i + 2) === -1) return -1;
      at = i + 6;
    } else if (ESCAPED.includes(e)) {
      at = i + 2;
    } else {
      return -1;
    }
  }
}

/** What may follow a backslash besides `u`: " \ / b f n r t. */
const ESCAPED = [0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74];

/** The index of the first character at or after `from` that is not JSON white space. */
export function jsonSpaceEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

function scalarEnd(text: string, at: number, c: number): number {
  switch (c) {
    case 0x22:
      return jsonStringEnd(text, at);
    case 0x74:
      return word(text, at, 'true');
    case 0x66:
      return word(text, at, 'false');
    case 0x6e:
      return word(text, at, 'null');
    default:
      return token(NUMBER, text, at);
  }
}

/** A member name and its colon, at the start of an object member: the index after the colon. */
function memberName(text: string, from: number): number {
  let at = jsonSpaceEnd(text, from);
  if (text.charCodeAt(at) !== 0x22 || (at = jsonStringEnd(text, at)) === -1) return -1;
  at = jsonSpaceEnd(text, at);
  return text.charCodeAt(at) === 0x3a ? at + 1 : -1;
}

function token(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.test(text) ? pattern.lastIndex : -1;
}

function word(text: string, at: number, literal: string): number {
  return text.startsWith(literal, at) ? at + literal.length : -1;
}
