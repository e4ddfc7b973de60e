import { encodeMessage } from '../../shared/src/protocol/encode-message.js';
import type { ClientMessage } from '../../shared/src/protocol/messages.js';
import type { ResolvedClientOptions } from './client-options.js';
import type { ConnectionState } from './connection.js';
import type { TablecastClientError } from './errors.js';
import type { HandleEntry } from './handle-entry.js';

/** The part of the connection the subscriptions use. */
export interface SubscriptionSocket {
  readonly state: ConnectionState;
  send(text: string): boolean;
}

const PAUSED_REASON = 'paused while the page is hidden';

/**
 * The subscription bookkeeping: which handles exist, which `sub` each has on the current socket,
 * and the one place that subscribes, unsubscribes, retries and resyncs them. Knows nothing of
 * messages (the router) or the cache; whoever holds a subscription back (a pending cache load,
 * a hidden page) says so through `entry.cacheWait` or `pause()`.
 */
export class Subscriptions {
  readonly #options: ResolvedClientOptions;
  readonly #socket: SubscriptionSocket;
  readonly #report: (error: TablecastClientError) => void;
  readonly #entries = new Map<string, HandleEntry>();
  readonly #bySub = new Map<string, HandleEntry>();
  /**
   * Subs this client unsubscribed on the current socket whose `unsubscribed` has not arrived:
   * their late messages are expected and dropped; a message for a sub in neither map is not.
   */
  readonly #ending = new Map<string, HandleEntry>();
  #counter = 0;
  /** Every subscription is stopped because the page is hidden. */
  #paused = false;

  constructor(
    options: ResolvedClientOptions,
    socket: SubscriptionSocket,
    report: (error: TablecastClientError) => void,
  ) {
    this.#options = options;
    this.#socket = socket;
    this.#report = report;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** The live entry with this cache key. */
  get(id: string): HandleEntry | undefined {
    return this.#entries.get(id);
  }

  add(entry: HandleEntry): void {
    this.#entries.set(entry.id, entry);
    if (this.#paused) entry.store.pause(PAUSED_REASON);
  }

  entries(): IterableIterator<HandleEntry> {
    return this.#entries.values();
  }

  /** Whether the entry is still the live one for its key. */
  live(entry: HandleEntry): boolean {
    return this.#entries.get(entry.id) === entry;
  }

  /** The entry subscribed as `sub` on the current socket. */
  bySub(sub: string): HandleEntry | undefined {
    return this.#bySub.get(sub);
  }

  /** The entry whose `sub` this client ended and whose `unsubscribed` is still to come. */
  ending(sub: string): HandleEntry | undefined {
    return this.#ending.get(sub);
  }

  /**
   * Whether a subscription on the current socket, live or still ending, may receive messages
   * about `table` (only unfiltered ones, for a table's shared delta).
   */
  expects(table: string, unfilteredOnly: boolean): boolean {
    for (const map of [this.#bySub, this.#ending]) {
      for (const entry of map.values()) {
        if (entry.table === table && (!unfilteredOnly || entry.filter === undefined)) return true;
      }
    }
    return false;
  }

  /** Every entry subscribed on the current socket. */
  subscribed(): IterableIterator<HandleEntry> {
    return this.#bySub.values();
  }

  /** Subscribes on the open socket, with the last position unless a reset is wanted. */
  subscribe(entry: HandleEntry, resetWanted = false, handover = false): void {
    this.#clearRetry(entry);
    if (resetWanted) entry.store.requireReset();
    // Paused: resumed on visibility. Waiting for the cache or a first snapshot: subscribed when
    // the wait ends.
    if (
      this.#paused ||
      entry.cacheWait ||
      entry.firstLoad !== undefined ||
      this.#socket.state !== 'open'
    ) {
      return;
    }
    entry.subscribedOnce = true;
    const sub = `s${++this.#counter}`;
    const position = entry.store.resetRequired ? undefined : entry.store.position;
    entry.sub = sub;
    this.#bySub.set(sub, entry);
    entry.store.startSubscription(handover);
    this.#send({
      type: 'subscribe',
      sub,
      table: entry.table,
      ...(position === undefined ? {} : { position }),
      ...(entry.filter === undefined ? {} : { filter: entry.filter }),
    });
  }

  /** Ends the current subscription on the socket, if any, so its late messages are dropped. */
  unsubscribe(entry: HandleEntry): void {
    const { sub } = entry;
    if (sub === undefined) return;
    entry.sub = undefined;
    this.#bySub.delete(sub);
    this.#ending.set(sub, entry);
    this.#send({ type: 'unsubscribe', sub });
  }

  /** The bridge ended `sub` (`unsubscribed`, or an error naming it): forget it. */
  ended(sub: string): HandleEntry | undefined {
    if (this.#ending.delete(sub)) return undefined;
    const entry = this.#bySub.get(sub);
    if (entry === undefined) return undefined;
    this.#bySub.delete(sub);
    entry.sub = undefined;
    return entry;
  }

  /**
   * A snapshot was applied: once the subscription stays live for `healthyAfterMs`, its backoff
   * starts over, as the connection's does. One that breaks right after each snapshot (a bridge
   * that breaks the sequence every time) keeps it, or it would ask for a full reset at the
   * shortest delay forever.
   */
  snapshotApplied(entry: HandleEntry): void {
    this.#clearHealthy(entry);
    entry.healthyTimer = this.#options.timers.setTimeout(() => {
      entry.healthyTimer = undefined;
      entry.retry.reset();
    }, this.#options.backoff.healthyAfterMs);
  }

  /** Resubscribes after a delay from the entry's own backoff, e.g. after a broken sequence. */
  retry(entry: HandleEntry, reset: boolean): void {
    this.#clearRetry(entry);
    entry.store.suspend();
    entry.retryTimer = this.#options.timers.setTimeout(() => {
      entry.retryTimer = undefined;
      // Otherwise the next open (or resume) resubscribes; the store remembers a wanted reset.
      this.subscribe(entry, reset);
    }, entry.retry.next());
  }

  /** The sequence of this subscription broke: report, drop it and ask for a reset (I1, I5). */
  resync(entry: HandleEntry, error: TablecastClientError): void {
    this.#report(error);
    this.unsubscribe(entry);
    entry.store.requireReset();
    this.retry(entry, true);
  }

  /** Releases one reference; true when it was the last and the entry is gone. */
  release(entry: HandleEntry): boolean {
    if (!this.live(entry)) return false;
    entry.refs -= 1;
    if (entry.refs > 0) return false;
    this.#entries.delete(entry.id);
    this.#clearRetry(entry);
    this.unsubscribe(entry);
    return true;
  }

  /**
   * A socket opened, or (`handover`) replaced a serving one after a goaway: subscribe
   * everything on it.
   */
  opened(handover: boolean): void {
    this.#bySub.clear();
    this.#ending.clear();
    for (const entry of this.#entries.values()) {
      entry.sub = undefined;
      this.subscribe(entry, false, handover);
    }
  }

  /** The socket is gone: keep data, wait for the next open. */
  lost(): void {
    this.#bySub.clear();
    this.#ending.clear();
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      entry.sub = undefined;
      entry.store.connectionLost();
    }
  }

  /**
   * Hidden past the grace period: unsubscribe every table, keeping data and positions. The
   * socket stays open on purpose: an idle socket costs the bridge one ping per heartbeat and no
   * deltas, while closing it would make every tab that comes back pay a new upgrade, a token
   * fetch and the auth check at once, and would turn `connection` into a lie ('reconnecting').
   */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      this.unsubscribe(entry);
      entry.store.pause(PAUSED_REASON);
    }
  }

  /** Visible again: resubscribe from the kept positions, i.e. resume with only what changed. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const entry of this.#entries.values()) {
      if (entry.sub === undefined) this.subscribe(entry);
    }
  }

  /** The peer is not a bridge: every handle fails with `reason`, keeping its data. */
  failAll(reason: string): void {
    this.#bySub.clear();
    this.#ending.clear();
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      entry.sub = undefined;
      entry.store.fail(reason);
    }
  }

  /** Ends every handle for good (the client closed). */
  shutdown(reason: string, each: (entry: HandleEntry) => void): void {
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      each(entry);
      entry.sub = undefined;
      entry.store.shutdown(reason);
    }
    this.#entries.clear();
    this.#bySub.clear();
    this.#ending.clear();
  }

  /** Drops the entry's pending resubscribe, and its wait to be healthy: it is not live now. */
  #clearRetry(entry: HandleEntry): void {
    this.#clearHealthy(entry);
    if (entry.retryTimer === undefined) return;
    this.#options.timers.clearTimeout(entry.retryTimer);
    entry.retryTimer = undefined;
  }

  #clearHealthy(entry: HandleEntry): void {
    if (entry.healthyTimer === undefined) return;
    this.#options.timers.clearTimeout(entry.healthyTimer);
    entry.healthyTimer = undefined;
  }

  #send(message: ClientMessage): void {
    this.#socket.send(encodeMessage(message));
  }
}
