import type { Position, TableStatus } from '../../shared/src/protocol/messages.js';
import type { SocketTarget } from './socket-target.js';
import type { WireValues } from './wire-values.js';

/** A table's whole first snapshot, loaded apart from the socket: the map at `position`. */
export interface SnapshotBody<V> {
  /** Taken as it is when it is the client's own chunked map (httpSnapshots' is), else copied. */
  readonly map: ReadonlyMap<string, V>;
  readonly position: Position;
  /** The bridge's status for the table at `position`: `caught_up` makes the handle caught up. */
  readonly status: TableStatus;
}

/** What the client asks a snapshot source for, once per new handle. */
export interface SnapshotRequest {
  readonly table: string;
  /** This attempt's `url()`, `token()` and `headers()`, as the socket would use them. */
  readonly target: SocketTarget;
  readonly values: WireValues;
  /** The client's `maxMessageBytes`: no message of the snapshot may be longer, as on a socket. */
  readonly maxMessageBytes: number;
  /** Aborted when the handle is released, the client closed, or the source went silent. */
  readonly signal: AbortSignal;
  /** To call for every piece received: a source silent for `welcomeTimeoutMs` is aborted. */
  readonly progress: () => void;
}

/**
 * Where a new handle's first snapshot comes from instead of its socket (the `snapshotSource`
 * option; `httpSnapshots()` from `tablecast/http` is the one the bridge serves). Resolves with a
 * complete snapshot or rejects; it must not resolve with a partial one.
 */
export type SnapshotSource = (request: SnapshotRequest) => Promise<SnapshotBody<unknown>>;
