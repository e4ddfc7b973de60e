import type {
  ErrorMessage,
  ServerMessage,
  WireSet,
  WriteResultMessage,
} from '../../shared/src/protocol/messages.js';
import { parseServerMessage } from '../../shared/src/protocol/parse-server-message.js';
import {
  type ScannedPart,
  scanSnapshotPart,
} from '../../shared/src/protocol/scan-snapshot-part.js';
import { quote } from '../../shared/src/protocol/validate.js';
import type { DecodedSet } from './decoded-set.js';
import { TablecastClientError, toClientError } from './errors.js';
import type { FeedResult } from './feed-result.js';
import { type FrameHint, readHint } from './frame-hint.js';
import type { HandleEntry } from './handle-entry.js';
import { repeatedKey, strayKey } from './message-keys.js';
import type { Subscriptions } from './subscriptions.js';
import type { WireValues } from './wire-values.js';

/** What the router needs besides the subscriptions. */
export interface RouterHost {
  readonly subscriptions: Subscriptions;
  readonly wireValues: WireValues;
  report(error: TablecastClientError): void;
  /** The bridge is going away: reconnect after (about) `retryAfterMs`. */
  goaway(retryAfterMs: number | undefined): void;
  /** The bridge refused the credentials (FORBIDDEN without a sub). */
  authFailed(error: TablecastClientError): void;
  /** The handle's saved copy must not paint again. */
  forget(entry: HandleEntry): void;
  /** The answer to one of this client's writes. */
  writeResult(result: WriteResultMessage): void;
}

/** Errors about one subscription that are worth retrying later rather than failing the table. */
const RETRYABLE_SUB_ERRORS = new Set(['OVERLOADED', 'INTERNAL', 'RATE_LIMITED']);

/**
 * Turns server frames into store calls: parses, finds the subscription each message names,
 * decodes values once per frame and resyncs whatever a broken sequence or bad frame touched.
 */
export class MessageRouter {
  readonly #host: RouterHost;
  readonly #subs: Subscriptions;

  constructor(host: RouterHost) {
    this.#host = host;
    this.#subs = host.subscriptions;
  }

  handle(text: string): void {
    // Snapshot parts of plain values skip the parser and leave their objects as text; anything
    // the scanner does not take (superjson meta, another layout, a broken frame) is parsed.
    if (this.#host.wireValues.plainAsIs === true) {
      const part = scanSnapshotPart(text);
      if (part !== undefined) {
        this.#scannedPart(part);
        return;
      }
    }
    let message: ServerMessage;
    try {
      message = parseServerMessage(text);
    } catch (cause) {
      this.#onBadFrame(text, cause);
      return;
    }
    this.route(message);
  }

  route(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        return; // checked by the connection's handshake
      case 'snapshot-begin': {
        const entry = this.#target(message.sub, message.type);
        if (entry === undefined) return;
        if (entry.table !== message.table) {
          this.#subs.resync(
            entry,
            this.#violation(
              `snapshot-begin for subscription ${message.sub} names table "${message.table}", not "${entry.table}"`,
              entry.table,
            ),
          );
          return;
        }
        this.#feed(entry, entry.store.snapshotBegin(message.mode), 'snapshot-begin');
        return;
      }
      case 'snapshot-part': {
        const entry = this.#target(message.sub, message.type);
        if (entry === undefined || this.#strays(entry, message.sets, message.deletes)) return;
        const sets = this.#decode(message.sets, [entry]);
        if (sets) {
          this.#feed(entry, entry.store.snapshotPart(sets, message.deletes), 'snapshot-part');
        }
        return;
      }
      case 'snapshot-end': {
        const entry = this.#target(message.sub, message.type);
        if (entry === undefined) return;
        const result = entry.store.snapshotEnd(message.position, message.status);
        if (result !== 'resync') this.#subs.snapshotApplied(entry);
        this.#feed(entry, result, 'snapshot-end');
        return;
      }
      case 'delta': {
        const targets = this.#deltaTargets(message.sub, message.table);
        if (targets.length === 0) return;
        const repeated = repeatedKey(message.sets, message.deletes);
        if (repeated !== undefined) {
          for (const entry of targets) this.#repeated(entry, 'delta', repeated);
          return;
        }
        // A delta to one sub is for its filter (§7); the table's deltas go to unfiltered subs.
        if (message.sub !== undefined && this.#strays(targets[0]!, message.sets, message.deletes)) {
          return;
        }
        const sets = this.#decode(message.sets, targets);
        if (sets === undefined) return;
        for (const entry of targets) {
          this.#feed(entry, entry.store.delta(sets, message.deletes, message.position), 'delta');
        }
        return;
      }
      case 'status':
        if (!this.#subs.expects(message.table, false)) {
          this.#host.report(
            this.#violation(`status for table "${message.table}", which has no subscription`),
          );
          return;
        }
        for (const entry of this.#subs.subscribed()) {
          if (entry.table === message.table) {
            entry.store.bridgeStatus(message.status, message.reason);
          }
        }
        return;
      case 'unsubscribed': {
        // Ours were forgotten when sent; one still known was ended by the bridge: come back.
        const entry = this.#subs.ended(message.sub);
        if (entry !== undefined) this.#subs.retry(entry, false);
        return;
      }
      case 'error':
        this.#onError(message);
        return;
      case 'goaway':
        this.#host.report(
          new TablecastClientError('CONNECTION', `The bridge is going away: ${message.reason}`),
        );
        this.#host.goaway(message.retryAfterMs);
        return;
      case 'write-result':
        this.#host.writeResult(message);
        return;
      default:
        message satisfies never;
    }
  }

  #scannedPart(part: ScannedPart): void {
    const entry = this.#target(part.sub, 'snapshot-part');
    if (entry === undefined || this.#strays(entry, part.keys, part.deletes)) return;
    this.#feed(entry, entry.store.snapshotScanned(part), 'snapshot-part');
  }

  /**
   * Whether a message for a filtered subscription names a key outside its filter: the bridge
   * sends a filtered subscription its keys alone (§7), and applying one would show a row the
   * filter excludes. Resyncs the subscription when it does.
   */
  #strays(
    entry: HandleEntry,
    sets: readonly (string | WireSet)[],
    deletes: readonly string[],
  ): boolean {
    const stray = strayKey(entry.admits, sets, deletes);
    if (stray === undefined) return false;
    this.#subs.resync(
      entry,
      this.#violation(
        `a message for subscription ${entry.sub} of table "${entry.table}" names key ${quote(stray)}, outside its filter`,
        entry.table,
      ),
    );
    return true;
  }

  /** I11 broken: a key named twice in a delta, or again in a snapshot (`key` unknown). */
  #repeated(entry: HandleEntry, what: string, key?: string): void {
    const named =
      key === undefined ? 'a key its snapshot named already' : `key ${quote(key)} twice`;
    this.#subs.resync(
      entry,
      this.#violation(
        `a ${what} of table "${entry.table}" names ${named} (I11): resubscribing with a reset`,
        entry.table,
      ),
    );
  }

  /**
   * The entry a message for `sub` is about. Undefined when the message is to be dropped: late
   * for a sub this client ended (expected), or for a sub it never had or that already ended
   * (a protocol error, reported: applying it could only corrupt another table's map).
   */
  #target(sub: string, what: string): HandleEntry | undefined {
    const entry = this.#subs.bySub(sub);
    if (entry !== undefined || this.#subs.ending(sub) !== undefined) return entry;
    this.#host.report(this.#violation(`${what} for subscription ${sub}, which is not live`));
    return undefined;
  }

  #violation(message: string, table?: string): TablecastClientError {
    return new TablecastClientError(
      'PROTOCOL',
      `The bridge broke the protocol: ${message}`,
      table === undefined ? undefined : { table },
    );
  }

  #onError(message: ErrorMessage): void {
    const entry = message.sub === undefined ? undefined : this.#subs.bySub(message.sub);
    const error = new TablecastClientError(
      message.code,
      message.message,
      entry === undefined ? undefined : { table: entry.table },
    );
    if (message.sub === undefined) {
      if (message.code === 'FORBIDDEN') this.#host.authFailed(error);
      else this.#host.report(error);
      return;
    }
    this.#host.report(error);
    // The one error that ends nothing: it refused a second subscribe with a live sub's id or
    // filter, and that live subscription carries on (§10).
    if (message.code === 'DUPLICATE_SUBSCRIPTION') return;
    if (this.#subs.ended(message.sub) === undefined || entry === undefined) return;
    if (RETRYABLE_SUB_ERRORS.has(message.code)) {
      this.#subs.retry(entry, false);
      return;
    }
    const reason = `${message.code}: ${message.message}`;
    // No longer allowed: what this client holds of the table must not stay on screen either. A
    // bridge that hides which tables exist answers a forbidden table as unknown (PROTOCOL.md
    // §10), so an unknown table drops its data too: either way this client may not have it.
    if (message.code === 'FORBIDDEN' || message.code === 'UNKNOWN_TABLE') {
      entry.store.revoke(reason);
    } else entry.store.fail(reason);
    // No longer served or no longer allowed: the saved copy must not paint on the next visit.
    this.#host.forget(entry);
  }

  /** A frame that is not even text (not UTF-8) was dropped: it names nothing, resync all. */
  unreadable(error: TablecastClientError): void {
    this.#dropped(error, { harmless: false });
  }

  #onBadFrame(text: string, cause: unknown): void {
    this.#dropped(toClientError(cause, 'PROTOCOL'), readHint(text));
  }

  /**
   * A frame was dropped: whatever table it was about may now miss a change, so resync what its
   * `hint` names, or every subscription when it names nothing readable.
   */
  #dropped(error: TablecastClientError, hint: FrameHint): void {
    let targets: HandleEntry[];
    if (hint.sub !== undefined) {
      const entry = this.#subs.bySub(hint.sub);
      targets = entry === undefined ? [] : [entry];
    } else if (hint.table !== undefined) {
      targets = [...this.#subs.subscribed()].filter((entry) => entry.table === hint.table);
    } else {
      targets = [...this.#subs.subscribed()];
    }
    this.#host.report(error);
    if (hint.harmless) return;
    for (const entry of targets) {
      this.#subs.unsubscribe(entry);
      entry.store.requireReset();
      this.#subs.retry(entry, true);
    }
  }

  #deltaTargets(sub: string | undefined, table: string | undefined): HandleEntry[] {
    if (sub !== undefined) {
      const entry = this.#target(sub, 'delta');
      if (entry === undefined || entry.filter !== undefined) return entry ? [entry] : [];
      // A table's unfiltered subscriptions share the table's delta; one addressed to a sub is
      // for a filter (§7), so this one's sequence can no longer be trusted.
      this.#subs.resync(
        entry,
        this.#violation(`delta for unfiltered subscription ${sub}`, entry.table),
      );
      return [];
    }
    const targets: HandleEntry[] = [];
    for (const entry of this.#subs.subscribed()) {
      if (entry.table === table && entry.filter === undefined) targets.push(entry);
    }
    if (targets.length === 0 && table !== undefined && !this.#subs.expects(table, true)) {
      this.#host.report(
        this.#violation(`delta for table "${table}", which has no unfiltered subscription`),
      );
    }
    return targets;
  }

  /** Decodes once for every target; a value that fails to decode breaks all their sequences. */
  #decode(
    sets: readonly WireSet[],
    targets: readonly HandleEntry[],
  ): DecodedSet<unknown>[] | undefined {
    const { fromWire } = this.#host.wireValues;
    try {
      // The parsed sets belong to this frame alone: each pair takes its value in place of its
      // wire value, rather than a second array per entry (a big snapshot is 100,000s of them).
      for (const set of sets) (set as unknown as [string, unknown])[1] = fromWire(set[1]);
      return sets as unknown as DecodedSet<unknown>[];
    } catch (cause) {
      if (cause instanceof TablecastClientError && cause.code === 'UNSUPPORTED_VALUE') {
        // Not a broken sequence: every resync would bring the same value back. Fail the table.
        for (const entry of targets) this.#unsupported(entry, cause);
        return undefined;
      }
      for (const entry of targets) {
        this.#subs.resync(
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

  #unsupported(entry: HandleEntry, cause: TablecastClientError): void {
    const error = new TablecastClientError(
      'UNSUPPORTED_VALUE',
      `Table "${entry.table}" holds a value plain JSON cannot carry. ${cause.message}`,
      { cause, table: entry.table },
    );
    this.#host.report(error);
    this.#subs.unsubscribe(entry);
    entry.store.fail(`UNSUPPORTED_VALUE: ${error.message}`);
  }

  #feed(entry: HandleEntry, result: FeedResult, what: string): void {
    if (result === 'repeated') {
      this.#repeated(entry, what);
      return;
    }
    if (result !== 'resync') return;
    this.#subs.resync(
      entry,
      new TablecastClientError(
        'PROTOCOL',
        `Out-of-sequence ${what} for table "${entry.table}": resubscribing with a reset`,
        { table: entry.table },
      ),
    );
  }
}
