// The `tablecast/client` entry point: explicit exports only, so the public surface is reviewable here.
export type { KeyFilter, Position } from '../../shared/src/protocol/messages.js';
export { SUBPROTOCOL } from '../../shared/src/protocol/messages.js';
export { parseBootstrap, type TableBootstrap } from './bootstrap.js';
export { CACHE_FORMAT_VERSION } from './cache-entry.js';
export type {
  BackoffOptions,
  ClientOptions,
  TimerFunctions,
} from './client-options.js';
export type { ConnectionState } from './connection.js';
export { createClient, type TablecastClient } from './create-client.js';
export {
  TablecastClientError,
  type TablecastClientErrorCode,
  toClientError,
} from './errors.js';
export {
  type GroupedOptions,
  type GroupedView,
  grouped,
  groupFilter,
  groupMembers,
} from './grouped.js';
export type { KeyChange } from './key-change.js';
export type { WriteReceipt } from './pending-writes.js';
export type { SnapshotBody, SnapshotRequest, SnapshotSource } from './snapshot-source.js';
export {
  type StreamHandle,
  type StreamOptions,
  stream,
} from './stream/stream-handle.js';
export { compareRows, type StreamRow } from './stream/stream-row.js';
export {
  type IndexedDbCacheOptions,
  indexedDbCache,
  memoryCache,
  type StorageLike,
  storageCache,
  type TableCache,
} from './table-cache.js';
export type {
  TableHandle,
  TableHandleStatus,
  TableOptions,
  WriteOptions,
} from './table-handle.js';
export {
  type AnyTablecastClient,
  type TableName,
  type TypedClient,
  typedClient,
} from './typed-tables.js';
export type { VisibilitySource } from './visibility.js';
export type { WebSocketLike, WebSocketLikeConstructor } from './websocket-like.js';
export { jsonValues, type WireValues } from './wire-values.js';
