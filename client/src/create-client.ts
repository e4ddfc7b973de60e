import {
  encodeMessage,
  fromWireValue,
  parseServerMessage,
} from '../../shared/src/protocol/index.js';
import type {
  ClientMessage,
  KeyFilter,
  ServerMessage,
  WireSet,
} from '../../shared/src/protocol/messages.js';
import { Backoff } from './backoff.js';
import {
  type ClientOptions,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './client-options.js';
import { Connection, type ConnectionState } from './connection.js';
import { TablecastClientError, toClientError } from './errors.js';
import type { TableHandle, TableOptions } from './table-handle.js';
import { type DecodedSet, type FeedResult, TableStore } from './table-store.js';

export interface TablecastClient {
  /** Where the shared socket is; `closed` only after `close()`. */
  readonly connection: ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /**
   * A live handle on a table, optionally filtered. The same name and filter return the same
   * handle, ref-counted: each `table()` call must be paired with one `handle.close()`.
   */
  table<V = unknown>(name: string, options?: TableOptions<V>): TableHandle<V>;
  /** Closes the socket and every handle (data stays readable, status `failed`). Idempotent. */
  close(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Entry {
  readonly id: string;
  readonly table: string;
  readonly filter: KeyFilter | undefined;
  readonly store: TableStore<unknown>;
  /** Retries of this subscription alone (resync, bridge unsubscribe, overload). */
  readonly retry: Backoff;
  refs: number;
  /** The subscription id on the current socket; undefined while not subscribed. */
  sub: string | undefined;
  retryTimer: unknown;
}

/** Errors about one subscription that are worth retrying later rather than failing the table. */
const RETRYABLE_SUB_ERRORS = new Set(['OVERLOADED', 'INTERNAL']);

/** Opens (lazily) one WebSocket to a bridge, shared by every table handle. */
export function createClient(options: ClientOptions): TablecastClient {
  return new Client(resolveClientOptions(options));
}

/** The request-manager side: subscriptions, routing of server messages, resyncs. */
class Client implements TablecastClient {
  readonly #options: ResolvedClientOptions;
  readonly #connection: Connection;
  readonly #entries = new Map<string, Entry>();
  readonly #bySub = new Map<string, Entry>();
  #subCounter = 0;
  #closed = false;

  constructor(options: ResolvedClientOptions) {
    this.#options = options;
    this.#connection = new Connection(options, {
      open: () => this.#onOpen(),
      message: (text) => this.#onMessage(text),
      lost: () => this.#onLost(),
    });
    if (!options.lazy) this.#connection.start();
  }

  get connection(): ConnectionState {
    return this.#connection.state;
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    return this.#connection.onState(listener);
  }

  table<V = unknown>(name: string, options: TableOptions<V> = {}): TableHandle<V> {
    if (this.#closed) throw new TablecastClientError('CLOSED', 'The client is closed');
    if (typeof name !== 'string' || name === '') {
      throw new TypeError('table(): name must be a non-empty string');
    }
    const filter = toFilter(options);
    const id = JSON.stringify([name, filter ?? null]);
    const existing = this.#entries.get(id);
    if (existing !== undefined) {
      existing.refs += 1;
      return existing.store as TableStore<V> as TableHandle<V>;
    }
    const store = new TableStore<V>({
      name,
      ...(options.default === undefined ? {} : { default: options.default }),
      timers: this.#options.timers,
      onError: (error) => this.#report(error),
      onClose: () => this.#release(entry),
    });
    const entry: Entry = {
      id,
      table: name,
      filter,
      store: store as TableStore<unknown>,
      retry: new Backoff(
        this.#options.backoff.initialDelayMs,
        this.#options.backoff.maxDelayMs,
        this.#options.random,
      ),
      refs: 1,
      sub: undefined,
      retryTimer: undefined,
    };
    this.#entries.set(id, entry);
    this.#connection.start();
    if (this.#connection.state === 'open') this.#subscribe(entry, false);
    return store;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      entry.sub = undefined;
      entry.store.shutdown('client closed');
    }
    this.#entries.clear();
    this.#bySub.clear();
    this.#connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // --- Subscriptions --------------------------------------------------------------------------

  /** Subscribes on the open socket, with the last position unless a reset is wanted. */
  #subscribe(entry: Entry, resetWanted: boolean): void {
    this.#clearRetry(entry);
    if (resetWanted) entry.store.requireReset();
    const reset = entry.store.resetRequired;
    const sub = `s${++this.#subCounter}`;
    const position = reset ? undefined : entry.store.position;
    const message: ClientMessage = {
      type: 'subscribe',
      sub,
      table: entry.table,
      ...(position === undefined ? {} : { position }),
      ...(entry.filter === undefined ? {} : { filter: entry.filter }),
    };
    entry.sub = sub;
    this.#bySub.set(sub, entry);
    entry.store.startSubscription();
    this.#send(message);
  }

  /** Ends the current subscription on the socket, if any, so its late messages are dropped. */
  #unsubscribe(entry: Entry): void {
    const { sub } = entry;
    if (sub === undefined) return;
    entry.sub = undefined;
    this.#bySub.delete(sub);
    this.#send({ type: 'unsubscribe', sub });
  }

  /** Resubscribes after a delay from the entry's own backoff, e.g. after a broken sequence. */
  #retry(entry: Entry, reset: boolean): void {
    this.#clearRetry(entry);
    entry.store.suspend();
    entry.retryTimer = this.#options.timers.setTimeout(() => {
      entry.retryTimer = undefined;
      // Otherwise the next open resubscribes; a wanted reset is remembered by the store.
      if (this.#connection.state === 'open') this.#subscribe(entry, reset);
    }, entry.retry.next());
  }

  /** The sequence of this subscription broke: drop it and ask for a reset (I1, I5). */
  #resync(entry: Entry, error: TablecastClientError): void {
    this.#report(error);
    this.#unsubscribe(entry);
    entry.store.requireReset();
    this.#retry(entry, true);
  }

  #release(entry: Entry): void {
    if (this.#entries.get(entry.id) !== entry) return;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    this.#entries.delete(entry.id);
    this.#clearRetry(entry);
    this.#unsubscribe(entry);
    entry.store.shutdown('closed');
  }

  #clearRetry(entry: Entry): void {
    if (entry.retryTimer === undefined) return;
    this.#options.timers.clearTimeout(entry.retryTimer);
    entry.retryTimer = undefined;
  }

  // --- Connection events ----------------------------------------------------------------------

  #onOpen(): void {
    this.#bySub.clear();
    for (const entry of this.#entries.values()) this.#subscribe(entry, false);
  }

  #onLost(): void {
    this.#bySub.clear();
    for (const entry of this.#entries.values()) {
      this.#clearRetry(entry);
      entry.sub = undefined;
      entry.store.connectionLost();
    }
  }

  #onMessage(text: string): void {
    let message: ServerMessage;
    try {
      message = parseServerMessage(text);
    } catch (cause) {
      this.#onBadFrame(text, cause);
      return;
    }
    switch (message.type) {
      case 'welcome':
        return;
      case 'snapshot-begin': {
        const entry = this.#bySub.get(message.sub);
        if (entry) this.#feed(entry, entry.store.snapshotBegin(message.mode), 'snapshot-begin');
        return;
      }
      case 'snapshot-part': {
        const entry = this.#bySub.get(message.sub);
        if (entry === undefined) return;
        const sets = this.#decode(message.sets, [entry]);
        if (sets)
          this.#feed(entry, entry.store.snapshotPart(sets, message.deletes), 'snapshot-part');
        return;
      }
      case 'snapshot-end': {
        const entry = this.#bySub.get(message.sub);
        if (entry === undefined) return;
        const result = entry.store.snapshotEnd(message.position, message.status);
        if (result !== 'resync') entry.retry.reset();
        this.#feed(entry, result, 'snapshot-end');
        return;
      }
      case 'delta': {
        const targets = this.#deltaTargets(message.sub, message.table);
        if (targets.length === 0) return;
        const sets = this.#decode(message.sets, targets);
        if (sets === undefined) return;
        for (const entry of targets) {
          this.#feed(entry, entry.store.delta(sets, message.deletes, message.position), 'delta');
        }
        return;
      }
      case 'status':
        for (const entry of this.#entries.values()) {
          if (entry.table === message.table && entry.sub !== undefined) {
            entry.store.bridgeStatus(message.status, message.reason);
          }
        }
        return;
      case 'unsubscribed': {
        // Ours were forgotten when sent; one still known was ended by the bridge: come back.
        const entry = this.#bySub.get(message.sub);
        if (entry === undefined) return;
        this.#bySub.delete(message.sub);
        entry.sub = undefined;
        this.#retry(entry, false);
        return;
      }
      case 'error':
        this.#onServerError(message);
        return;
      case 'goaway':
        this.#report(
          new TablecastClientError('CONNECTION', `The bridge is going away: ${message.reason}`),
        );
        this.#connection.reconnect(message.retryAfterMs);
        return;
      default:
        message satisfies never;
    }
  }

  #onServerError(message: Extract<ServerMessage, { type: 'error' }>): void {
    const entry = message.sub === undefined ? undefined : this.#bySub.get(message.sub);
    const error = new TablecastClientError(
      message.code,
      message.message,
      entry === undefined ? undefined : { table: entry.table },
    );
    if (message.sub === undefined) {
      if (message.code === 'FORBIDDEN') this.#connection.authFailed(error);
      else this.#report(error);
      return;
    }
    this.#report(error);
    if (entry === undefined) return;
    this.#bySub.delete(message.sub);
    entry.sub = undefined;
    if (RETRYABLE_SUB_ERRORS.has(message.code)) this.#retry(entry, false);
    else entry.store.fail(`${message.code}: ${message.message}`);
  }

  /**
   * A frame we could not parse was dropped: whatever table it was about may now miss a change,
   * so resync what it names, or every subscription when it names nothing readable.
   */
  #onBadFrame(text: string, cause: unknown): void {
    const error = toClientError(cause, 'PROTOCOL');
    const hint = readHint(text);
    let targets: Entry[];
    if (hint.sub !== undefined) {
      const entry = this.#bySub.get(hint.sub);
      targets = entry === undefined ? [] : [entry];
    } else if (hint.table !== undefined) {
      targets = [...this.#bySub.values()].filter((entry) => entry.table === hint.table);
    } else {
      targets = [...this.#bySub.values()];
    }
    if (targets.length === 0 || hint.harmless) {
      this.#report(error);
      return;
    }
    this.#report(error);
    for (const entry of targets) {
      this.#unsubscribe(entry);
      entry.store.requireReset();
      this.#retry(entry, true);
    }
  }

  #deltaTargets(sub: string | undefined, table: string | undefined): Entry[] {
    if (sub !== undefined) {
      const entry = this.#bySub.get(sub);
      return entry === undefined ? [] : [entry];
    }
    if (table === undefined) return [];
    const targets: Entry[] = [];
    for (const entry of this.#bySub.values()) {
      if (entry.table === table && entry.filter === undefined) targets.push(entry);
    }
    return targets;
  }

  /** Decodes once for every target; a value that fails to decode breaks all their sequences. */
  #decode(sets: readonly WireSet[], targets: readonly Entry[]): DecodedSet<unknown>[] | undefined {
    try {
      return sets.map(([key, wire]) => [key, fromWireValue(wire)] as const);
    } catch (cause) {
      for (const entry of targets) {
        this.#resync(
          entry,
          new TablecastClientError('PROTOCOL', `A value of table "${entry.table}" did not decode`, {
            cause,
            table: entry.table,
          }),
        );
      }
      return undefined;
    }
  }

  #feed(entry: Entry, result: FeedResult, what: string): void {
    if (result !== 'resync') return;
    this.#resync(
      entry,
      new TablecastClientError(
        'PROTOCOL',
        `Out-of-sequence ${what} for table "${entry.table}": resubscribing with a reset`,
        { table: entry.table },
      ),
    );
  }

  #send(message: ClientMessage): void {
    this.#connection.send(encodeMessage(message));
  }

  #report(error: TablecastClientError): void {
    try {
      this.#options.onError(error);
    } catch {
      // A throwing onError must not break message handling.
    }
  }
}

function toFilter(options: TableOptions<unknown>): KeyFilter | undefined {
  const { keys, prefix } = options;
  if (keys !== undefined && prefix !== undefined) {
    throw new TypeError('table(): pass either `keys` or `prefix`, not both');
  }
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) {
      throw new TypeError('table(): `keys` must be an array of strings');
    }
    // Sorted and unique, so the same set of keys shares one handle and one subscription.
    return { keys: [...new Set(keys)].sort() };
  }
  if (prefix !== undefined) {
    if (typeof prefix !== 'string') throw new TypeError('table(): `prefix` must be a string');
    return { prefix };
  }
  return undefined;
}

/** Best-effort reading of an unparseable frame: which sub or table it concerns, if any. */
function readHint(text: string): { sub?: string; table?: string; harmless: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { harmless: false };
  }
  if (typeof value !== 'object' || value === null) return { harmless: false };
  const { sub, table, type } = value as Record<string, unknown>;
  // Messages that carry no table data cannot leave a map behind.
  const harmless = type === 'welcome' || type === 'goaway' || type === 'error';
  return {
    ...(typeof sub === 'string' ? { sub } : {}),
    ...(typeof table === 'string' ? { table } : {}),
    harmless,
  };
}
