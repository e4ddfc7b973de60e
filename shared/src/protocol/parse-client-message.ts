import type { ClientMessage, KeyFilter } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import {
  badMessage,
  expectName,
  expectObject,
  expectOnlyFields,
  expectPosition,
  expectString,
  expectWireValue,
  type Fields,
  invalid,
  isName,
  isObject,
  messageType,
  parseJson,
  quote,
} from './validate.js';

export interface ParseLimits {
  /** Most keys a `{ keys }` filter may list. Default 10,000. */
  maxFilterKeys?: number;
}

const DEFAULT_MAX_FILTER_KEYS = 10_000;

const SUBSCRIBE_FIELDS = ['type', 'sub', 'table', 'position', 'filter'] as const;
const UNSUBSCRIBE_FIELDS = ['type', 'sub'] as const;
const WRITE_SET_FIELDS = ['type', 'id', 'table', 'key', 'value'] as const;
const WRITE_DELETE_FIELDS = ['type', 'id', 'table', 'key', 'delete'] as const;

/**
 * Turns a text frame received by a bridge into a client message, or throws a ProtocolError
 * (`BAD_MESSAGE`) that says what is wrong and where. The only place a bridge does this.
 *
 * When the frame is an object with a valid `sub`, the error carries it, so the bridge's `error`
 * reply can fail that subscription on the client rather than leave it waiting.
 */
export function parseClientMessage(frame: string, limits?: ParseLimits): ClientMessage {
  const value = parseJson(frame);
  try {
    return validate(value, limits?.maxFilterKeys ?? DEFAULT_MAX_FILTER_KEYS);
  } catch (error) {
    const sub = isObject(value) && isName(value.sub) ? value.sub : undefined;
    if (sub === undefined || !(error instanceof ProtocolError)) throw error;
    throw new ProtocolError(error.code, error.message, { sub });
  }
}

function validate(value: unknown, maxFilterKeys: number): ClientMessage {
  const type = messageType(value);
  const message = value as Fields;
  switch (type) {
    case 'subscribe':
      expectOnlyFields(message, 'subscribe', SUBSCRIBE_FIELDS);
      expectName(message.sub, 'subscribe.sub');
      expectName(message.table, 'subscribe.table');
      if (message.position !== undefined) expectPosition(message.position, 'subscribe.position');
      if (message.filter !== undefined) expectFilter(message.filter, maxFilterKeys);
      break;
    case 'unsubscribe':
      expectOnlyFields(message, 'unsubscribe', UNSUBSCRIBE_FIELDS);
      expectName(message.sub, 'unsubscribe.sub');
      break;
    case 'write':
      expectName(message.id, 'write.id');
      expectName(message.table, 'write.table');
      expectString(message.key, 'write.key');
      if (message.delete === undefined) {
        expectOnlyFields(message, 'write', WRITE_SET_FIELDS);
        expectWireValue(message.value, 'write.value');
      } else {
        expectOnlyFields(message, 'write', WRITE_DELETE_FIELDS);
        if (message.delete !== true) invalid('write.delete', 'true', message.delete);
      }
      break;
    default:
      badMessage(
        `message.type ${quote(type)} is not a client message (subscribe, unsubscribe, write)`,
      );
  }
  return message as unknown as ClientMessage;
}

function expectFilter(value: unknown, maxFilterKeys: number): KeyFilter {
  const where = 'subscribe.filter';
  const filter = expectObject(value, where);
  const { keys, prefix } = filter;
  if ((keys === undefined) === (prefix === undefined)) {
    badMessage(`${where} must have exactly one of keys and prefix`);
  }
  if (keys !== undefined) {
    expectOnlyFields(filter, where, ['keys']);
    if (!Array.isArray(keys) || keys.length === 0) {
      invalid(`${where}.keys`, 'a non-empty array', keys);
    }
    if (keys.length > maxFilterKeys) {
      badMessage(
        `${where}.keys lists ${keys.length} keys, more than the limit of ${maxFilterKeys}`,
      );
    }
    for (let i = 0; i < keys.length; i++) {
      if (typeof keys[i] !== 'string') invalid(`${where}.keys[${i}]`, 'a string', keys[i]);
    }
  } else {
    expectOnlyFields(filter, where, ['prefix']);
    // An empty prefix is the whole table: without a filter it shares the table's delta bytes.
    if (typeof prefix !== 'string' || prefix.length === 0) {
      invalid(`${where}.prefix`, 'a non-empty string (omit filter for the whole table)', prefix);
    }
  }
  return filter as unknown as KeyFilter;
}
