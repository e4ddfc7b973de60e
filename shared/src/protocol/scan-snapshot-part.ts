import { jsonStringEnd, jsonValueEnd, jsonSpaceEnd as space } from './json-text.js';
import { isName } from './validate.js';

/**
 * A snapshot part read without parsing its values: each key with its value parsed (a string,
 * number, true, false or null), or with the place of its text in `text` (an object or array,
 * checked to be JSON and parsed only when read).
 */
export interface ScannedPart {
  readonly sub: string;
  /** The frame itself: `places` are indexes into it. */
  readonly text: string;
  readonly keys: readonly string[];
  /** Per key, its value; undefined (no JSON value is) for a value left as text. */
  readonly values: readonly unknown[];
  /** For each value left as text, in order: where it starts and where it ends. */
  readonly places: readonly number[];
  readonly deletes: readonly string[];
}

const HEAD = '{"type":"snapshot-part","sub":';
const SETS = ',"sets":[';
const DELETES = ',"deletes":[';

/**
 * Reads a snapshot-part frame in the form the bridge writes it (and `JSON.stringify` of the
 * message): fields in the order type, sub, sets, deletes; every value plain JSON (`[json]`).
 * Returns undefined for anything else, valid or not: the caller then goes through
 * `parseServerMessage`, which takes every form and says what is wrong. So this accepts only
 * what that parser accepts, and reads it to the same keys and values (a test checks both on
 * frames made and mangled at random).
 *
 * The point is what it does not build: the value objects of a big snapshot, which the client
 * keeps as text until read (client/src/text-rows.ts).
 */
export function scanSnapshotPart(text: string): ScannedPart | undefined {
  if (!text.startsWith(HEAD)) return undefined;
  let at = HEAD.length;
  const subEnd = stringEnd(text, at);
  if (subEnd === -1) return undefined;
  const sub = stringAt(text, at, subEnd);
  if (!isName(sub)) return undefined;
  at = subEnd;
  if (!text.startsWith(SETS, at)) return undefined;
  at = space(text, at + SETS.length);
  const keys: string[] = [];
  const values: unknown[] = [];
  const places: number[] = [];
  if (text.charCodeAt(at) === 0x5d) {
    at++;
  } else {
    for (;;) {
      // ["key", [value]]
      if (text.charCodeAt(at) !== 0x5b) return undefined;
      at = space(text, at + 1);
      const keyEnd = stringEnd(text, at);
      if (keyEnd === -1) return undefined;
      const key = stringAt(text, at, keyEnd);
      at = space(text, keyEnd);
      if (text.charCodeAt(at) !== 0x2c) return undefined;
      at = space(text, at + 1);
      if (text.charCodeAt(at) !== 0x5b) return undefined;
      const start = space(text, at + 1);
      const end = jsonValueEnd(text, start);
      if (end === -1) return undefined;
      // A second element is superjson's meta: that value needs the full parser and decoder.
      at = space(text, end);
      if (text.charCodeAt(at) !== 0x5d) return undefined;
      at = space(text, at + 1);
      if (text.charCodeAt(at) !== 0x5d) return undefined;
      keys.push(key);
      const first = text.charCodeAt(start);
      if (first === 0x7b || first === 0x5b) {
        values.push(undefined);
        places.push(start, end);
      } else {
        values.push(scalarAt(text, start, end));
      }
      at = space(text, at + 1);
      const next = text.charCodeAt(at);
      at = space(text, at + 1);
      if (next === 0x5d) break;
      if (next !== 0x2c) return undefined;
    }
  }
  if (!text.startsWith(DELETES, at)) return undefined;
  at = space(text, at + DELETES.length);
  const deletes: string[] = [];
  if (text.charCodeAt(at) === 0x5d) {
    at++;
  } else {
    for (;;) {
      const end = stringEnd(text, at);
      if (end === -1) return undefined;
      deletes.push(stringAt(text, at, end));
      at = space(text, end);
      const next = text.charCodeAt(at);
      at = space(text, at + 1);
      if (next === 0x5d) break;
      if (next !== 0x2c) return undefined;
    }
  }
  if (text.charCodeAt(at) !== 0x7d || at + 1 !== text.length) return undefined;
  return { sub, text, keys, values, places, deletes };
}

/** The end of the JSON string at `at`, or -1 when there is none there. */
function stringEnd(text: string, at: number): number {
  return text.charCodeAt(at) === 0x22 ? jsonStringEnd(text, at) : -1;
}

/** The JSON string from `start` to `end` (quotes included), already checked. */
function stringAt(text: string, start: number, end: number): string {
  const inner = text.slice(start + 1, end - 1);
  return inner.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : inner;
}

/** A string, number, true, false or null, already checked. */
function scalarAt(text: string, start: number, end: number): unknown {
  switch (text.charCodeAt(start)) {
    case 0x22:
      return stringAt(text, start, end);
    case 0x74:
      return true;
    case 0x66:
      return false;
    case 0x6e:
      return null;
    default:
      // A JSON number reads to the same double through Number as through JSON.parse.
      return Number(text.slice(start, end));
  }
}
