/**
 * Checks shared by both parsers. Internal: not exported from the package, because the parsers are
 * the only places where `unknown` may become a protocol type.
 *
 * Each check throws a `BAD_MESSAGE` ProtocolError naming the field by its path
 * (`delta.sets[3][1]`), and builds that path only when it fails: deltas and snapshot parts are
 * hot, so the success path allocates nothing.
 */
import { isTableStatus, TABLE_STATUSES, type TableStatus } from '../table-status.js';
import type { Position, WireSet, WireValue } from './messages.js';
import { ProtocolError } from './protocol-error.js';

export type Fields = Record<string, unknown>;

/** Longest `sub`, `table` or bridge id, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;
/** Far above any real topic (Kafka tops out in the thousands), low enough to bound the work. */
export const MAX_PARTITIONS = 100_000;

export function parseJson(frame: string): unknown {
  try {
    return JSON.parse(frame);
  } catch (cause) {
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    throw new ProtocolError('BAD_MESSAGE', `message is not valid JSON${detail}`, { cause });
  }
}

export function badMessage(message: string): never {
  throw new ProtocolError('BAD_MESSAGE', message);
}

/** Fails with "is missing" or "must be …, got …", whichever is true. */
export function invalid(where: string, expected: string, value: unknown): never {
  if (value === undefined) badMessage(`${where} is missing`);
  badMessage(`${where} must be ${expected}, got ${describe(value)}`);
}

/** A short, bounded rendering of a bad value: messages end up in logs and in error replies. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return String(value);
}

export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, where: string): Fields {
  if (!isObject(value)) invalid(where, 'an object', value);
  return value;
}

/** The union is closed: an unknown field is far more likely a typo than something to ignore. */
export function expectOnlyFields(object: Fields, where: string, allowed: readonly string[]): void {
  for (const key in object) {
    if (!allowed.includes(key)) {
      badMessage(`${where} has unknown field ${quote(key)}`);
    }
  }
}

export function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}

/** `sub`, `table` and bridge ids: short, non-empty strings. */
export function expectName(value: unknown, where: string): string {
  if (!isName(value)) {
    invalid(where, `a non-empty string of at most ${MAX_NAME_LENGTH} characters`, value);
  }
  return value;
}

export function expectStatus(value: unknown, where: string): TableStatus {
  if (!isTableStatus(value)) invalid(where, `one of ${TABLE_STATUSES.join(', ')}`, value);
  return value;
}

export function expectString(value: unknown, where: string): string {
  if (typeof value !== 'string') invalid(where, 'a string', value);
  return value;
}

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function expectPosition(value: unknown, where: string): Position {
  const position = expectObject(value, where);
  expectOnlyFields(position, where, POSITION_FIELDS);
  const { topicId, offsets } = position;
  if (typeof topicId !== 'string' || topicId.length === 0) {
    invalid(`${where}.topicId`, 'a non-empty string', topicId);
  }
  if (!Array.isArray(offsets)) invalid(`${where}.offsets`, 'an array', offsets);
  if (offsets.length > MAX_PARTITIONS) {
    badMessage(`${where}.offsets has ${offsets.length} partitions, more than ${MAX_PARTITIONS}`);
  }
  for (let i = 0; i < offsets.length; i++) {
    if (!isNonNegativeInteger(offsets[i])) {
      invalid(`${where}.offsets[${i}]`, 'a non-negative integer', offsets[i]);
    }
  }
  return position as unknown as Position;
}

const POSITION_FIELDS = ['topicId', 'offsets'] as const;

/** `[key, [json]]` or `[key, [json, meta]]`; meta is superjson's, always an object. */
export function expectSets(value: unknown, where: string): readonly WireSet[] {
  if (!Array.isArray(value)) invalid(where, 'an array', value);
  for (let i = 0; i < value.length; i++) {
    const set: unknown = value[i];
    if (!Array.isArray(set) || set.length !== 2) {
      invalid(`${where}[${i}]`, 'a [key, value] pair', set);
    }
    if (typeof set[0] !== 'string') invalid(`${where}[${i}][0]`, 'a string key', set[0]);
    expectWireValue(set[1], `${where}[${i}][1]`);
  }
  return value as readonly WireSet[];
}

export function expectWireValue(wire: unknown, where: string): WireValue {
  if (!Array.isArray(wire) || wire.length < 1 || wire.length > 2) {
    invalid(where, 'a wire value ([json] or [json, meta])', wire);
  }
  if (wire.length === 2 && !isObject(wire[1])) {
    invalid(`${where}[1]`, 'a superjson meta object', wire[1]);
  }
  return wire as unknown as WireValue;
}

export function expectStrings(value: unknown, where: string): readonly string[] {
  if (!Array.isArray(value)) invalid(where, 'an array', value);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') invalid(`${where}[${i}]`, 'a string', value[i]);
  }
  return value as readonly string[];
}

/** Reads `type` from a parsed frame; the parsers then check it names one of their messages. */
export function messageType(value: unknown): string {
  const message = expectObject(value, 'message');
  return expectString(message.type, 'message.type');
}
