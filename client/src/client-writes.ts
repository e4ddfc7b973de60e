import { encodeMessage } from '../../shared/src/protocol/encode-message.js';
import { keyMatcher } from '../../shared/src/protocol/key-filter.js';
import type { WireValue, WriteResultMessage } from '../../shared/src/protocol/messages.js';
import { isPlainJson } from '../../shared/src/protocol/plain-json.js';
import { AppliedWaiters } from './applied-waiters.js';
import type { ResolvedClientOptions } from './client-options.js';
import { TablecastClientError } from './errors.js';
import type { HandleEntry } from './handle-entry.js';
import { PendingWrites, type WriteReceipt } from './pending-writes.js';
import type { WriteOptions } from './table-handle.js';

const DEFAULT_WRITE_TIMEOUT_MS = 15_000;

/**
 * The client's writes through the bridge: sends them (again, with the same id, on a new socket),
 * settles them from `write-result`, and holds each one back until the handle it went through
 * shows it (read-your-writes, PROTOCOL.md I14).
 */
export class ClientWrites {
  readonly #options: ResolvedClientOptions;
  readonly #pending: PendingWrites;
  readonly #waiters = new Map<HandleEntry, AppliedWaiters>();

  constructor(options: ResolvedClientOptions, send: (text: string) => boolean) {
    this.#options = options;
    this.#pending = new PendingWrites({
      send: (message) => send(encodeMessage(message)),
      setTimeout: options.timers.setTimeout,
      clearTimeout: options.timers.clearTimeout,
      newId: () => newWriteId(options.random),
    });
  }

  async write(
    entry: HandleEntry,
    key: string,
    value: unknown,
    options: WriteOptions,
  ): Promise<WriteReceipt> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
    const deadline = performance.now() + timeoutMs;
    let wire: WireValue | undefined;
    if (value !== undefined) {
      try {
        wire = this.#options.wireValues.toWire(value);
        // A JSON-only client would send a Date as its string: refuse instead of writing it.
        if (wire.length === 1 && !isPlainJson(value)) {
          throw new TypeError(
            'the value is not plain JSON; pass `wireValues: superjsonValues` to createClient to write Date, Map, Set, BigInt...',
          );
        }
      } catch (cause) {
        const why = cause instanceof Error ? `: ${cause.message}` : '';
        throw new TablecastClientError('INVALID', `The value for "${key}" cannot be sent${why}.`, {
          cause,
          table: entry.table,
        });
      }
    }
    const receipt = await this.#pending.submit(entry.table, key, wire, timeoutMs);
    // A key outside the handle's filter never shows in its map: Kafka's word is all there is.
    const matches = keyMatcher(entry.filter);
    if (matches !== undefined && !matches(key)) return receipt;
    const left = Math.max(1, Math.ceil(deadline - performance.now()));
    if (await this.#waitersOf(entry).add(entry.store.position, receipt, left)) return receipt;
    throw new TablecastClientError(
      'TIMEOUT',
      `The write of "${key}" landed at partition ${receipt.partition}, offset ${receipt.offset}, but this handle did not show it within ${timeoutMs} ms.`,
      { table: entry.table },
    );
  }

  /** The handle applied a snapshot or delta. */
  applied(entry: HandleEntry): void {
    this.#waiters.get(entry)?.check(entry.store.position);
  }

  settle(result: WriteResultMessage): void {
    this.#pending.settle(result);
  }

  /** A socket is ready: writes not yet sent on it go (again, same ids). */
  opened(): void {
    this.#pending.opened();
  }

  /** The handle is gone: its writes still settle, but no longer wait for its map. */
  released(entry: HandleEntry): void {
    this.#waiters.get(entry)?.clear();
    this.#waiters.delete(entry);
  }

  close(): void {
    for (const waiters of this.#waiters.values()) waiters.clear();
    this.#waiters.clear();
    this.#pending.failAll(new TablecastClientError('CLOSED', 'The client was closed.'));
  }

  #waitersOf(entry: HandleEntry): AppliedWaiters {
    let waiters = this.#waiters.get(entry);
    if (waiters === undefined) {
      waiters = new AppliedWaiters(this.#options.timers);
      this.#waiters.set(entry, waiters);
    }
    return waiters;
  }
}

/** A write id: random, so ids from many tabs and reloads do not collide at the bridge. */
function newWriteId(random: () => number): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  if (uuid !== undefined) return uuid;
  let id = '';
  for (let i = 0; i < 4; i++) id += Math.floor(random() * 2 ** 32).toString(36);
  return id;
}
