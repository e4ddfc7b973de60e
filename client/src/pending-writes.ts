import type {
  WireValue,
  WriteMessage,
  WriteResultMessage,
} from '../../shared/src/protocol/messages.js';
import { TablecastClientError } from './errors.js';

/** Where an accepted write landed in Kafka. */
export interface WriteReceipt {
  readonly topicId: string;
  readonly partition: number;
  readonly offset: number;
}

export interface PendingWritesOptions {
  /** Sends a frame on the open socket; false when there is none (it is sent on the next open). */
  readonly send: (message: WriteMessage) => boolean;
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
  /** A fresh write id. */
  readonly newId: () => string;
}

interface Pending {
  readonly message: WriteMessage;
  readonly resolve: (receipt: WriteReceipt) => void;
  readonly reject: (error: TablecastClientError) => void;
  readonly timer: unknown;
  /** The socket generation it was last sent on; sent again on a newer one. */
  sentOn: number;
}

/**
 * The client's writes in flight. Each keeps its id until answered, so a write whose socket was
 * lost is sent again, with the same id, on the next socket: the bridge answers a repeat with the
 * first result instead of writing twice.
 */
export class PendingWrites {
  readonly #options: PendingWritesOptions;
  readonly #pending = new Map<string, Pending>();
  #socketGeneration = 0;

  constructor(options: PendingWritesOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** `value` undefined is a delete. Rejects with a TablecastClientError carrying the bridge's code. */
  submit(
    table: string,
    key: string,
    value: WireValue | undefined,
    timeoutMs: number,
  ): Promise<WriteReceipt> {
    const id = this.#options.newId();
    const message: WriteMessage =
      value === undefined
        ? { type: 'write', id, table, key, delete: true }
        : { type: 'write', id, table, key, value };
    return new Promise<WriteReceipt>((resolve, reject) => {
      const timer = this.#options.setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new TablecastClientError(
            'TIMEOUT',
            `The write of "${key}" to "${table}" was not answered within ${timeoutMs} ms; it may still land.`,
            { table },
          ),
        );
      }, timeoutMs);
      const pending: Pending = { message, resolve, reject, timer, sentOn: -1 };
      this.#pending.set(id, pending);
      if (this.#options.send(message)) pending.sentOn = this.#socketGeneration;
    });
  }

  /** A socket opened: sends every write not yet sent on it. */
  opened(): void {
    this.#socketGeneration++;
    for (const pending of this.#pending.values()) {
      if (pending.sentOn === this.#socketGeneration) continue;
      if (this.#options.send(pending.message)) pending.sentOn = this.#socketGeneration;
    }
  }

  settle(result: WriteResultMessage): void {
    const pending = this.#pending.get(result.id);
    // Unknown ids are answers to writes that timed out here: nobody waits for them any more.
    if (pending === undefined) return;
    this.#pending.delete(result.id);
    this.#options.clearTimeout(pending.timer);
    if (result.ok) {
      pending.resolve({
        topicId: result.topicId,
        partition: result.partition,
        offset: result.offset,
      });
    } else {
      pending.reject(
        new TablecastClientError(result.code, result.message, { table: pending.message.table }),
      );
    }
  }

  /** Rejects every pending write (the client closed). */
  failAll(error: TablecastClientError): void {
    for (const pending of this.#pending.values()) {
      this.#options.clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }
}
