import {
  fromWireValue,
  type WriteErrorCode,
  type WriteMessage,
  type WriteResultMessage,
} from '../../../shared/src/protocol/index.js';
import type { Logger, Timers } from '../environment.js';
import type { KafkaTableWriter } from '../kafka-table-writer.js';
import type { AuthorizeRequest, AuthorizeWrite } from './bridge-options.js';

export interface WriteServiceOptions {
  readonly writers: ReadonlyMap<string, KafkaTableWriter<unknown>>;
  readonly authorizeWrite: AuthorizeWrite | undefined;
  /** The topic id of a table, so a result names the topic its offset belongs to. */
  readonly topicIdOf: (table: string) => string | undefined;
  readonly writeTimeoutMs: number;
  /** How many recent write ids are remembered to answer retries without writing again. */
  readonly dedupWindow: number;
  readonly timers: Timers;
  readonly logger: Logger;
}

/** Who is writing: the connection's upgrade request and the tables it may read. */
export interface WriterContext {
  readonly request: AuthorizeRequest;
  readonly readable: ReadonlySet<string> | 'all';
}

/**
 * Writes from clients: authorized per write, validated with the table's codec, written with the
 * table's writer (acks=all, idempotent), answered with where the write landed.
 *
 * A client that lost its socket sends its pending writes again with the same ids. A bridge
 * remembers the last `dedupWindow` ids per table, in flight or done, and answers a repeat with
 * the first write's result, so a retry never writes a second record (which a reader could see
 * land after someone else's newer write). Ids are remembered per bridge process: a retry that
 * reaches another replica is written again.
 */
export class WriteService {
  readonly #options: WriteServiceOptions;
  readonly #recent = new Map<string, Promise<WriteResultMessage>>();

  constructor(options: WriteServiceOptions) {
    this.#options = options;
  }

  get writableTables(): readonly string[] {
    return [...this.#options.writers.keys()];
  }

  /**
   * Handles one write; resolves with its result, or with TIMEOUT once `writeTimeoutMs` passed
   * (the write may still land: a retry with the same id then gets its real result).
   */
  async write(message: WriteMessage, context: WriterContext): Promise<WriteResultMessage> {
    const dedupKey = `${message.table}\u0000${message.id}`;
    let attempt = this.#recent.get(dedupKey);
    if (attempt === undefined) {
      attempt = this.#write(message, context);
      this.#recent.set(dedupKey, attempt);
      if (this.#recent.size > this.#options.dedupWindow) {
        this.#recent.delete(this.#recent.keys().next().value!);
      }
      const settled = attempt;
      // A refused write wrote nothing: a retry of it is a new attempt, not a duplicate.
      void settled.then((r) => {
        if (!r.ok && this.#recent.get(dedupKey) === settled) this.#recent.delete(dedupKey);
      });
    }
    const result = await this.#withTimeout(attempt);
    return (
      result ?? {
        type: 'write-result',
        id: message.id,
        ok: false,
        code: 'TIMEOUT',
        message: `Kafka did not acknowledge the write within ${this.#options.writeTimeoutMs} ms; it may still land. Retry with the same id.`,
      }
    );
  }

  async #write(message: WriteMessage, context: WriterContext): Promise<WriteResultMessage> {
    const refuse = (code: WriteErrorCode, text: string): WriteResultMessage => ({
      type: 'write-result',
      id: message.id,
      ok: false,
      code,
      message: text,
    });
    const { table, key } = message;
    const writer = this.#options.writers.get(table);
    const readable = context.readable === 'all' || context.readable.has(table);
    // Tables this connection may not read are "not writable" too: no oracle for their names.
    if (writer === undefined || !readable) {
      return refuse('NOT_WRITABLE', `Table "${table}" does not take writes on this bridge.`);
    }
    try {
      writer.keyCodec.encode(key);
    } catch (error) {
      return refuse('INVALID', `The key is not valid for table "${table}": ${describe(error)}`);
    }
    const isDelete = 'delete' in message;
    let value: unknown;
    if (!isDelete) {
      try {
        value = fromWireValue(message.value);
        // The table's own codec decides what a valid value is (a schema validates on decode).
        writer.valueCodec.decode(writer.valueCodec.encode(value));
      } catch (error) {
        return refuse(
          'INVALID',
          `The value for "${key}" is not valid for table "${table}": ${describe(error)}`,
        );
      }
    }
    const authorize = this.#options.authorizeWrite;
    if (authorize !== undefined) {
      let allowed: boolean;
      try {
        allowed = await authorize(context.request, {
          table,
          key,
          delete: isDelete,
          ...(isDelete ? {} : { value }),
        });
      } catch (error) {
        this.#options.logger.error('authorizeWrite threw; refusing the write.', {
          table,
          error: describe(error),
        });
        allowed = false;
      }
      if (allowed !== true)
        return refuse('FORBIDDEN', `This connection may not write "${key}" in "${table}".`);
    }
    const topicId = this.#options.topicIdOf(table);
    try {
      const landed = await (isDelete ? writer.delete(key) : writer.set(key, value));
      return {
        type: 'write-result',
        id: message.id,
        ok: true,
        topicId: topicId ?? writer.topic,
        partition: landed.partition,
        offset: landed.offset,
      };
    } catch (error) {
      this.#options.logger.warn('A client write failed in Kafka.', {
        table,
        error: describe(error),
      });
      return refuse('KAFKA_UNAVAILABLE', `Kafka refused or lost the write: ${describe(error)}`);
    }
  }

  #withTimeout<T>(promise: Promise<T>): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      // A write outcome is never lost to the timer: the attempt stays in #recent for retries.
      const timer = this.#options.timers.setTimeout(
        () => resolve(undefined),
        this.#options.writeTimeoutMs,
      );
      promise.then(
        (value) => {
          this.#options.timers.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.#options.timers.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
