import {
  type ErrorCode,
  PROTOCOL_VERSION,
  type ServerMessage,
  type WriteErrorCode,
} from './messages.js';
import { ProtocolError } from './protocol-error.js';
import {
  badMessage,
  expectName,
  expectOnlyFields,
  expectPosition,
  expectSets,
  expectStatus,
  expectString,
  expectStrings,
  type Fields,
  invalid,
  isNonNegativeInteger,
  messageType,
  parseJson,
  quote,
} from './validate.js';

// A record rather than an array so the compiler complains when messages.ts grows a member.
const ERROR_CODES: Readonly<Record<ErrorCode, true>> = {
  BAD_MESSAGE: true,
  UNKNOWN_TABLE: true,
  FORBIDDEN: true,
  PROTOCOL_VERSION: true,
  OVERLOADED: true,
  TOO_MANY_SUBSCRIPTIONS: true,
  DUPLICATE_SUBSCRIPTION: true,
  MESSAGE_TOO_LARGE: true,
  RATE_LIMITED: true,
  INTERNAL: true,
};

const WELCOME_FIELDS = ['type', 'version', 'bridge'] as const;
const SNAPSHOT_BEGIN_FIELDS = ['type', 'sub', 'table', 'mode'] as const;
const SNAPSHOT_PART_FIELDS = ['type', 'sub', 'sets', 'deletes'] as const;
const SNAPSHOT_END_FIELDS = ['type', 'sub', 'position', 'status'] as const;
const DELTA_FIELDS = ['type', 'table', 'sub', 'sets', 'deletes', 'position'] as const;
const STATUS_FIELDS = ['type', 'table', 'status', 'reason'] as const;
const UNSUBSCRIBED_FIELDS = ['type', 'sub'] as const;
const ERROR_FIELDS = ['type', 'code', 'message', 'sub'] as const;
const GOAWAY_FIELDS = ['type', 'reason', 'retryAfterMs'] as const;
const WRITE_OK_FIELDS = ['type', 'id', 'ok', 'topicId', 'partition', 'offset'] as const;
const WRITE_REFUSED_FIELDS = ['type', 'id', 'ok', 'code', 'message'] as const;

const WRITE_ERROR_CODES: Readonly<Record<WriteErrorCode, true>> = {
  NOT_WRITABLE: true,
  FORBIDDEN: true,
  INVALID: true,
  RATE_LIMITED: true,
  TIMEOUT: true,
  KAFKA_UNAVAILABLE: true,
};

/**
 * Turns a text frame received by a client into a bridge message, or throws a ProtocolError:
 * `PROTOCOL_VERSION` for a welcome of another version, `BAD_MESSAGE` (saying what and where) for
 * anything else. The only place a client does this.
 *
 * Returns the parsed object itself, arrays included: deltas and snapshot parts are hot.
 *
 * An `error` whose code this version does not know (a newer bridge's) is kept, with code
 * `INTERNAL` and the original code in front of its message: the client still learns which
 * subscription ended and why, instead of dropping a well-formed message.
 */
export function parseServerMessage(frame: string): ServerMessage {
  const value = parseJson(frame);
  const type = messageType(value);
  const message = value as Fields;
  switch (type) {
    case 'delta':
      expectOnlyFields(message, 'delta', DELTA_FIELDS);
      if ((message.table === undefined) === (message.sub === undefined)) {
        badMessage('delta must have exactly one of delta.table and delta.sub');
      }
      if (message.table !== undefined) expectName(message.table, 'delta.table');
      else expectName(message.sub, 'delta.sub');
      expectSets(message.sets, 'delta.sets');
      expectStrings(message.deletes, 'delta.deletes');
      expectPosition(message.position, 'delta.position');
      break;
    case 'snapshot-part':
      expectOnlyFields(message, 'snapshot-part', SNAPSHOT_PART_FIELDS);
      expectName(message.sub, 'snapshot-part.sub');
      expectSets(message.sets, 'snapshot-part.sets');
      expectStrings(message.deletes, 'snapshot-part.deletes');
      break;
    case 'welcome':
      // The version first: another version's welcome may well have other fields.
      if (typeof message.version !== 'number') {
        invalid('welcome.version', 'a number', message.version);
      }
      if (message.version !== PROTOCOL_VERSION) {
        throw new ProtocolError(
          'PROTOCOL_VERSION',
          `welcome.version is ${message.version}; this client speaks version ${PROTOCOL_VERSION}`,
        );
      }
      expectOnlyFields(message, 'welcome', WELCOME_FIELDS);
      expectName(message.bridge, 'welcome.bridge');
      break;
    case 'snapshot-begin':
      expectOnlyFields(message, 'snapshot-begin', SNAPSHOT_BEGIN_FIELDS);
      expectName(message.sub, 'snapshot-begin.sub');
      expectName(message.table, 'snapshot-begin.table');
      if (message.mode !== 'reset' && message.mode !== 'resume') {
        invalid('snapshot-begin.mode', '"reset" or "resume"', message.mode);
      }
      break;
    case 'snapshot-end':
      expectOnlyFields(message, 'snapshot-end', SNAPSHOT_END_FIELDS);
      expectName(message.sub, 'snapshot-end.sub');
      expectPosition(message.position, 'snapshot-end.position');
      expectStatus(message.status, 'snapshot-end.status');
      break;
    case 'status':
      expectOnlyFields(message, 'status', STATUS_FIELDS);
      expectName(message.table, 'status.table');
      expectStatus(message.status, 'status.status');
      if (message.reason !== undefined) expectString(message.reason, 'status.reason');
      break;
    case 'unsubscribed':
      expectOnlyFields(message, 'unsubscribed', UNSUBSCRIBED_FIELDS);
      expectName(message.sub, 'unsubscribed.sub');
      break;
    case 'error':
      return parseError(message);
    case 'goaway':
      expectOnlyFields(message, 'goaway', GOAWAY_FIELDS);
      expectString(message.reason, 'goaway.reason');
      if (message.retryAfterMs !== undefined && !isNonNegativeInteger(message.retryAfterMs)) {
        invalid('goaway.retryAfterMs', 'a non-negative integer', message.retryAfterMs);
      }
      break;
    case 'write-result':
      expectName(message.id, 'write-result.id');
      if (message.ok === true) {
        expectOnlyFields(message, 'write-result', WRITE_OK_FIELDS);
        expectName(message.topicId, 'write-result.topicId');
        if (!isNonNegativeInteger(message.partition)) {
          invalid('write-result.partition', 'a non-negative integer', message.partition);
        }
        if (!isNonNegativeInteger(message.offset)) {
          invalid('write-result.offset', 'a non-negative integer', message.offset);
        }
      } else if (message.ok === false) {
        expectOnlyFields(message, 'write-result', WRITE_REFUSED_FIELDS);
        const text = expectString(message.message, 'write-result.message');
        const code = message.code;
        if (typeof code !== 'string' || code.length === 0) {
          invalid('write-result.code', 'a non-empty string', code);
        }
        // A newer bridge's reason still refuses the write, as a timeout would: retryable.
        if (!Object.hasOwn(WRITE_ERROR_CODES, code)) {
          return { ...message, code: 'TIMEOUT', message: `${code}: ${text}` } as ServerMessage;
        }
      } else {
        invalid('write-result.ok', 'true or false', message.ok);
      }
      break;
    default:
      badMessage(`message.type ${quote(type)} is not a bridge message`);
  }
  return message as unknown as ServerMessage;
}

function parseError(message: Fields): ServerMessage {
  expectOnlyFields(message, 'error', ERROR_FIELDS);
  const code = message.code;
  if (typeof code !== 'string' || code.length === 0) {
    invalid('error.code', 'a non-empty string', code);
  }
  const text = expectString(message.message, 'error.message');
  if (message.sub !== undefined) expectName(message.sub, 'error.sub');
  if (Object.hasOwn(ERROR_CODES, code)) return message as unknown as ServerMessage;
  return { ...message, code: 'INTERNAL', message: `${code}: ${text}` } as unknown as ServerMessage;
}
