import {
  expectObject,
  expectPosition,
  expectStatus,
  invalid,
} from '../../shared/src/protocol/validate.js';
import type { ResolvedClientOptions } from './client-options.js';
import { TablecastClientError } from './errors.js';
import type { HandleEntry } from './handle-entry.js';
import type { SnapshotSource } from './snapshot-source.js';
import { socketTarget } from './socket-helpers.js';

/** What the first snapshots need from the rest of the client. */
export interface FirstSnapshotsHost {
  /** Whether the entry is still live (not released, client not closed). */
  live(entry: HandleEntry): boolean;
  /** A held-back first subscribe may go now. */
  ready(entry: HandleEntry): void;
  report(error: TablecastClientError): void;
}

/**
 * With a `snapshotSource` (e.g. `httpSnapshots()`), a new handle's first snapshot comes from it
 * while the socket connects, and the first subscribe waits for it: it then asks only for what
 * changed since that snapshot's position (a resume), so the table's bulk never crosses the
 * socket.
 *
 * Only where it pays and cannot mislead: an unfiltered handle with nothing painted yet (no
 * bootstrap, no cached copy). Any failure, or a source silent for `welcomeTimeoutMs`, is
 * reported once as `HTTP_SNAPSHOT`; the handle then loads over its socket as without the
 * option, and so does every later handle of this client.
 */
export class FirstSnapshots {
  readonly #options: ResolvedClientOptions;
  readonly #host: FirstSnapshotsHost;
  /** Undefined after the first failure: a source that failed once is not asked again. */
  #source: SnapshotSource | undefined;
  readonly #loading = new Set<HandleEntry>();

  constructor(options: ResolvedClientOptions, host: FirstSnapshotsHost) {
    this.#options = options;
    this.#host = host;
    this.#source = options.snapshotSource;
  }

  /** Starts the entry's first snapshot when it is worth one; its first subscribe waits for it. */
  load(entry: HandleEntry): void {
    const source = this.#source;
    if (
      source === undefined ||
      entry.filter !== undefined ||
      entry.cacheWait ||
      entry.subscribedOnce ||
      entry.store.position !== undefined ||
      entry.firstLoad !== undefined
    ) {
      return;
    }
    const abort = new AbortController();
    entry.firstLoad = abort;
    this.#loading.add(entry);
    void this.#run(source, entry, abort).finally(() => this.#settled(entry, abort));
  }

  /** The handle is going away, or has data now: stop loading. True if a load was stopped. */
  release(entry: HandleEntry): boolean {
    const abort = entry.firstLoad;
    if (abort === undefined) return false;
    entry.firstLoad = undefined;
    this.#loading.delete(entry);
    abort.abort();
    return true;
  }

  close(): void {
    for (const entry of [...this.#loading]) this.release(entry);
  }

  async #run(source: SnapshotSource, entry: HandleEntry, abort: AbortController): Promise<void> {
    const { timers, welcomeTimeoutMs } = this.#options;
    let stall: unknown;
    let stalled = false;
    const clear = () => {
      if (stall !== undefined) timers.clearTimeout(stall);
      stall = undefined;
    };
    const progress = () => {
      clear();
      if (abort.signal.aborted) return;
      stall = timers.setTimeout(() => {
        stall = undefined;
        stalled = true;
        abort.abort();
      }, welcomeTimeoutMs);
    };
    // Released or closed: no timer outlives the load, even if the source never settles.
    abort.signal.addEventListener('abort', clear, { once: true });
    try {
      progress();
      const body = await source({
        table: entry.table,
        target: await socketTarget(this.#options),
        values: this.#options.wireValues,
        maxMessageBytes: this.#options.maxMessageBytes,
        signal: abort.signal,
        progress,
      });
      if (abort.signal.aborted) return;
      // Any function may be a source: what it resolves is checked like a bootstrap.
      const checked = expectObject(body, 'snapshot');
      const position = expectPosition(checked.position, 'snapshot.position');
      const status = expectStatus(checked.status, 'snapshot.status');
      if (typeof (body.map as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== 'function') {
        invalid('snapshot.map', 'a map', body.map);
      }
      // A handle given a bootstrap meanwhile keeps it: hydrate only fills an empty store.
      entry.store.hydrate(body.map, position, status === 'caught_up');
    } catch (cause) {
      // Released or closed: nothing went wrong.
      if ((abort.signal.aborted && !stalled) || this.#source === undefined) return;
      this.#source = undefined;
      const why = stalled ? `nothing for ${welcomeTimeoutMs} ms` : String(cause);
      this.#host.report(
        new TablecastClientError(
          'HTTP_SNAPSHOT',
          `Table "${entry.table}" could not load its first snapshot apart from the socket (${why}); it loads over the socket, and so will later tables.`,
          { cause, table: entry.table },
        ),
      );
    } finally {
      clear();
    }
  }

  #settled(entry: HandleEntry, abort: AbortController): void {
    if (entry.firstLoad !== abort) return;
    entry.firstLoad = undefined;
    this.#loading.delete(entry);
    if (this.#host.live(entry) && entry.sub === undefined) this.#host.ready(entry);
  }
}
