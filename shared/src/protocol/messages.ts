/**
 * The tablecast wire protocol, version 1: a closed union of JSON messages in each direction.
 * docs/PROTOCOL.md states the invariants; `parseClientMessage` / `parseServerMessage` are the
 * only places where `unknown` becomes one of these types.
 */

import type { TableStatus } from '../table-status.js';

export type { TableStatus } from '../table-status.js';

export const PROTOCOL_VERSION = 1;
/** The WebSocket subprotocol that carries version 1; a bridge refuses other versions at upgrade. */
export const SUBPROTOCOL = 'tablecast.v1';

/** The `sub` that every line of a snapshot read over HTTP names (PROTOCOL.md §19). */
export const HTTP_SNAPSHOT_SUB = 'http';

/**
 * Where a client is in a table's topic: the next offset per partition (index = partition) and
 * the topic's identity, so a position from a deleted and recreated topic is never trusted.
 * Kafka offsets are global, so a position from one bridge is valid on every bridge of a topic.
 */
export interface Position {
  readonly topicId: string;
  readonly offsets: readonly number[];
}

/** Which keys of a table a subscription holds: listed keys, or every key with a prefix. */
export type KeyFilter = { readonly keys: readonly string[] } | { readonly prefix: string };

/**
 * A value on the wire: superjson's serialization, `[json]` or `[json, meta]` where meta is
 * present only for values plain JSON cannot carry (Date, Map, Set, BigInt, undefined...).
 */
export type WireValue = readonly [json: unknown] | readonly [json: unknown, meta: unknown];

/** One set: key and wire value. */
export type WireSet = readonly [key: string, value: WireValue];

export type ErrorCode =
  | 'BAD_MESSAGE'
  | 'UNKNOWN_TABLE'
  | 'FORBIDDEN'
  | 'PROTOCOL_VERSION'
  | 'OVERLOADED'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'DUPLICATE_SUBSCRIPTION'
  | 'MESSAGE_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'INTERNAL';

// Client → bridge

export interface SubscribeMessage {
  readonly type: 'subscribe';
  /** Chosen by the client, unique on its socket. */
  readonly sub: string;
  readonly table: string;
  /** Resume from here: the bridge sends only what changed since, or a reset. */
  readonly position?: Position;
  readonly filter?: KeyFilter;
}

export interface UnsubscribeMessage {
  readonly type: 'unsubscribe';
  readonly sub: string;
}

/**
 * Writes a key (`value` set) or deletes it (`delete: true`) through the bridge, which answers
 * with one `write-result` of the same `id`. The id is the client's and identifies the write, not
 * the frame: a retry after a reconnect sends the same id, and a bridge that already handled it
 * answers with the first result instead of writing again.
 */
export type WriteMessage =
  | {
      readonly type: 'write';
      readonly id: string;
      readonly table: string;
      readonly key: string;
      readonly value: WireValue;
    }
  | {
      readonly type: 'write';
      readonly id: string;
      readonly table: string;
      readonly key: string;
      readonly delete: true;
    };

export type ClientMessage = SubscribeMessage | UnsubscribeMessage | WriteMessage;

// Bridge → client

export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly version: typeof PROTOCOL_VERSION;
  /** Identifies the bridge process, for logs and for telling replicas apart. */
  readonly bridge: string;
}

/**
 * Opens a snapshot. `reset`: the parts hold the whole (filtered) table, which replaces the
 * client's map at `snapshot-end`. `resume`: the parts hold only what changed since the client's
 * position, applied on top of its map at `snapshot-end`.
 */
export interface SnapshotBeginMessage {
  readonly type: 'snapshot-begin';
  readonly sub: string;
  readonly table: string;
  readonly mode: 'reset' | 'resume';
}

export interface SnapshotPartMessage {
  readonly type: 'snapshot-part';
  readonly sub: string;
  readonly sets: readonly WireSet[];
  /** Keys deleted since the client's position; always empty in reset mode. */
  readonly deletes: readonly string[];
}

/** Closes a snapshot: the client applies it atomically and is at `position`. */
export interface SnapshotEndMessage {
  readonly type: 'snapshot-end';
  readonly sub: string;
  readonly position: Position;
  readonly status: TableStatus;
}

/**
 * Changes of one or more applied batches, compacted (one entry per key), with the position
 * after them. A delta with `table` (and no `sub`) is for every unfiltered subscription of that
 * table on the socket; its bytes are the same for every socket. A delta with `sub` is for that
 * filtered subscription only.
 */
export interface DeltaMessage {
  readonly type: 'delta';
  readonly table?: string;
  readonly sub?: string;
  readonly sets: readonly WireSet[];
  readonly deletes: readonly string[];
  readonly position: Position;
}

/** The bridge's table changed status; `reason` says why for degraded and failed. */
export interface StatusMessage {
  readonly type: 'status';
  readonly table: string;
  readonly status: TableStatus;
  readonly reason?: string;
}

/** The subscription ended at the bridge's initiative or on request. */
export interface UnsubscribedMessage {
  readonly type: 'unsubscribed';
  readonly sub: string;
}

export interface ErrorMessage {
  readonly type: 'error';
  /**
   * New codes may appear within v1: `parseServerMessage` reads one it does not know as
   * `INTERNAL`, with the original code in front of `message`.
   */
  readonly code: ErrorCode;
  readonly message: string;
  /** The subscription the error is about, if any. */
  readonly sub?: string;
}

/** The bridge is going away (shutdown, overload): reconnect, ideally to another replica. */
export interface GoAwayMessage {
  readonly type: 'goaway';
  readonly reason: string;
  readonly retryAfterMs?: number;
}

/** Why a write was refused; see docs/PROTOCOL.md §16. */
export type WriteErrorCode =
  | 'NOT_WRITABLE'
  | 'FORBIDDEN'
  | 'INVALID'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'KAFKA_UNAVAILABLE';

/**
 * The answer to a `write`. Accepted: the write is in Kafka (acknowledged by every in-sync
 * replica) at `partition`/`offset` of the topic `topicId`, so the client knows when its own map
 * shows it. Refused: nothing was written, and `code` says why.
 */
export type WriteResultMessage =
  | {
      readonly type: 'write-result';
      readonly id: string;
      readonly ok: true;
      readonly topicId: string;
      readonly partition: number;
      readonly offset: number;
    }
  | {
      readonly type: 'write-result';
      readonly id: string;
      readonly ok: false;
      readonly code: WriteErrorCode;
      readonly message: string;
    };

export type ServerMessage =
  | WelcomeMessage
  | SnapshotBeginMessage
  | SnapshotPartMessage
  | SnapshotEndMessage
  | DeltaMessage
  | StatusMessage
  | UnsubscribedMessage
  | ErrorMessage
  | GoAwayMessage
  | WriteResultMessage;
