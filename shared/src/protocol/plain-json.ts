/** Deeper values go through superjson, which copes with cycles; a plain walk would overflow. */
const MAX_PLAIN_DEPTH = 100;

/** Whether JSON.parse(JSON.stringify(value)) gives back an equal value. */
export function isPlainJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_PLAIN_DEPTH) return false;
  if (Array.isArray(value)) {
    // A hole reads as undefined and fails here too: JSON would turn it into null.
    for (let i = 0; i < value.length; i++) {
      if (!isPlainJson(value[i], depth + 1)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const object = value as Record<string, unknown>;
  for (const key in object) {
    if (!isPlainJson(object[key], depth + 1)) return false;
  }
  return true;
}
