// The `tablecast/client` entry point: explicit exports only, so the public surface is reviewable here.
export {
  type CompositeKeyCodec,
  defaultCompositeKeyCodec,
  lengthPrefixedKeyCodec,
} from '../../shared/src/codecs/composite-key.js';
export type { KeyFilter, Position } from '../../shared/src/protocol/messages.js';
export { SUBPROTOCOL } from '../../shared/src/protocol/messages.js';
export { parseBootstrap, type TableBootstrap } from './bootstrap.js';
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
export {
  CACHE_FORMAT_VERSION,
  type IndexedDbCacheOptions,
  indexedDbCache,
  memoryCache,
  type StorageLike,
  storageCache,
  type TableCache,
} from './table-cache.js';
export type { TableHandle, TableOptions } from './table-handle.js';
export type { TableChange, TableHandleStatus } from './table-status.js';
export { TableStore, type TableStoreOptions } from './table-store.js';
export {
  type AnyTablecastClient,
  type TableName,
  type TypedClient,
  typedClient,
} from './typed-tables.js';
export type { VisibilitySource } from './visibility.js';
export type { WebSocketLike, WebSocketLikeConstructor } from './websocket-like.js';
