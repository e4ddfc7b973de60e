export { encodeMessage } from './encode-message.js';
export { keyMatcher } from './key-filter.js';
export type {
  ClientMessage,
  DeltaMessage,
  ErrorCode,
  ErrorMessage,
  GoAwayMessage,
  KeyFilter,
  Position,
  ServerMessage,
  SnapshotBeginMessage,
  SnapshotEndMessage,
  SnapshotPartMessage,
  StatusMessage,
  SubscribeMessage,
  TableStatus,
  UnsubscribedMessage,
  UnsubscribeMessage,
  WelcomeMessage,
  WireSet,
  WireValue,
  WriteErrorCode,
  WriteMessage,
  WriteResultMessage,
} from './messages.js';
export { HTTP_SNAPSHOT_SUB, PROTOCOL_VERSION, SUBPROTOCOL } from './messages.js';
export { type ParseLimits, parseClientMessage } from './parse-client-message.js';
export { parseServerMessage } from './parse-server-message.js';
export { positionCovers, samePosition, tablePosition } from './position.js';
export { ProtocolError } from './protocol-error.js';
export { fromWireValue, toWireValue } from './wire-value.js';
