/**
 * Checks that bytes are one JSON text (RFC 8259), exactly as `JSON.parse` would accept them,
 * without building anything. A table of JSON values stores each value as its text, so parsing
 * it only to validate made a whole object tree per record that was garbage at once; a replay
 * validates hundreds of thousands of values. UTF-8 validity is not checked here: the caller
 * decodes the bytes with a fatal decoder anyway.
 *
 * Returns -1 when the text is valid, else the index of the first byte that is not.
 */
export function jsonErrorAt(bytes: Uint8Array): number {
  buf = bytes;
  end = bytes.length;
  at = 0;
  depth = 0;
  try {
    return scan();
  } finally {
    buf = EMPTY;
  }
}

const EMPTY = new Uint8Array(0);
const OBJECT = 1;
const ARRAY = 2;

// Scanner state at module level so the small helpers stay cheap to call.
let buf: Uint8Array = EMPTY;
let end = 0;
let at = 0;
/** Open containers, innermost last; grown when a value nests deeper. */
let stack = new Uint8Array(64);
let depth = 0;

function scan(): number {
  for (;;) {
    // Expecting a value. Containers are not recursed into, so any depth is fine (JSON.parse
    // takes any depth too): an opened container continues this loop at its first value.
    skipSpace();
    const c = buf[at];
    if (c === 0x7b) {
      at++;
      skipSpace();
      if (buf[at] === 0x7d) {
        at++;
      } else {
        push(OBJECT);
        if (!memberName()) return at;
        continue;
      }
    } else if (c === 0x5b) {
      at++;
      skipSpace();
      if (buf[at] === 0x5d) {
        at++;
      } else {
        push(ARRAY);
        continue;
      }
    } else if (!scalar(c)) {
      return at;
    }
    // After a value: close containers, or a comma and the next member.
    for (;;) {
      skipSpace();
      if (depth === 0) return at === end ? -1 : at;
      const next = buf[at];
      const open = stack[depth - 1];
      if (next === 0x2c) {
        at++;
        if (open === OBJECT && !memberName()) return at;
        break;
      }
      if ((open === OBJECT && next === 0x7d) || (open === ARRAY && next === 0x5d)) {
        at++;
        depth--;
        continue;
      }
      return at;
    }
  }
}

function scalar(c: number | undefined): boolean {
  switch (c) {
    case 0x22:
      return string();
    case 0x74:
      return literal(TRUE);
    case 0x66:
      return literal(FALSE);
    case 0x6e:
      return literal(NULL);
    default:
      return c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39) ? number() : false;
  }
}

/** A member name and its colon, at the start of an object member. */
function memberName(): boolean {
  skipSpace();
  if (buf[at] !== 0x22 || !string()) return false;
  skipSpace();
  if (buf[at] !== 0x3a) return false;
  at++;
  return true;
}

function push(kind: number): void {
  if (depth === stack.length) {
    const grown = new Uint8Array(stack.length * 2);
    grown.set(stack);
    stack = grown;
  }
  stack[depth++] = kind;
}

function skipSpace(): void {
  const b = buf;
  let i = at;
  for (;;) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  at = i;
}

/** A string, from its opening quote: no raw control characters, only JSON's escapes. */
function string(): boolean {
  // Locals, not the module's state, in the loop that most bytes of a value go through.
  const b = buf;
  const n = end;
  let i = at + 1;
  for (;;) {
    if (i >= n) break;
    const c = b[i]!;
    if (c === 0x22) {
      at = i + 1;
      return true;
    }
    if (c < 0x20) break;
    if (c !== 0x5c) {
      i++;
      continue;
    }
    const e = b[i + 1];
    if (e === 0x75) {
      for (let k = 2; k < 6; k++) {
        const h = b[i + k];
        if (h === undefined || HEX[h] !== 1) {
          at = i + k;
          return false;
        }
      }
      i += 6;
    } else if (e !== undefined && ESCAPE[e] === 1) {
      i += 2;
    } else {
      i++;
      break;
    }
  }
  at = i;
  return false;
}

function digits(): number {
  const b = buf;
  const from = at;
  let i = from;
  for (;;) {
    const c = b[i];
    if (c === undefined || c < 0x30 || c > 0x39) break;
    i++;
  }
  at = i;
  return i - from;
}

/** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
function number(): boolean {
  if (buf[at] === 0x2d) at++;
  if (buf[at] === 0x30) at++;
  else if (digits() === 0) return false;
  if (buf[at] === 0x2e) {
    at++;
    if (digits() === 0) return false;
  }
  const e = buf[at];
  if (e === 0x65 || e === 0x45) {
    at++;
    if (buf[at] === 0x2b || buf[at] === 0x2d) at++;
    if (digits() === 0) return false;
  }
  return true;
}

const TRUE = Uint8Array.of(0x74, 0x72, 0x75, 0x65);
const FALSE = Uint8Array.of(0x66, 0x61, 0x6c, 0x73, 0x65);
const NULL = Uint8Array.of(0x6e, 0x75, 0x6c, 0x6c);

function literal(word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k++) {
    if (buf[at] !== word[k]) return false;
    at++;
  }
  return true;
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE[c.charCodeAt(0)] = 1;
