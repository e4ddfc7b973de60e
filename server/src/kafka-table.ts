import type { StandardSchemaV1 } from '@standard-schema/spec';
import { json } from '../../shared/src/codecs/json.js';
import { utf8 } from '../../shared/src/codecs/utf8.js';
import { CatchUpGate } from './catch-up-gate.js';
import { ensureTopic } from './ensure-topic.js';
import { consoleLogger, defaultTimers, type Logger, type Timers } from './environment.js';
import { TablecastError, toError } from './errors.js';
import {
  type KafkaTableOptions,
  validatePositiveInteger,
  validateTableOptions,
} from './kafka-table-options.js';
import type { SnapshotView } from './snapshot-view.js';
import type { KafkaSource, RecordBatch, Subscription } from './source/kafka-source.js';
import { kafkajsSource } from './source/kafkajs-source.js';
import type {
  LogPosition,
  TableChange,
  TableEntry,
  TablePosition,
  TableStats,
  TableStatus,
} from './table-change.js';
import { TableState } from './table-state.js';
import { Waiters } from './waiters.js';

export type ChangeListener<V> = (changes: readonly TableChange<V>[]) => void;
export type StatusListener = (status: TableStatus, failure: Error | undefined) => void;

/**
 * A Kafka topic materialized into a live, read-only, compacted map: the last value per key,
 * tombstones delete. Every table replays the topic from the beginning on start, with no
 * consumer group offsets, and reports through `status` whether it has caught up with the end
 * offsets it saw at start.
 *
 * Per key the view is exact: a key's value is the last decodable value written to it before
 * the table's position. Across partitions it is not a consistent cut.
 */
export class KafkaTable<V> implements Iterable<[string, V]> {
  readonly topic: string;
  readonly #options: KafkaTableOptions<V>;
  readonly #logger: Logger;
  readonly #timers: Timers;
  readonly #state: TableState<V>;
  readonly #source: KafkaSource;
  readonly #ownsSource: boolean;
  readonly #changeListeners = new Set<ChangeListener<V>>();
  readonly #statusListeners = new Set<StatusListener>();
  readonly #waiters: Waiters;
  #subscription: Subscription | undefined;
  #gate: CatchUpGate | undefined;
  #started = false;
  #stopped = false;
  #caughtUp = false;
  #timedOut = false;
  #failure: Error | undefined;
  #startedAt = 0;
  #catchUpSeconds: number | null = null;
  #replayedAtCatchUp: number | null = null;
  #status: TableStatus = 'unstarted';
  #topicId: string | undefined;
  #settleStart: (() => void) | undefined;

  constructor(options: KafkaTableOptions<V>) {
    validateTableOptions(options);
    this.#options = options;
    this.topic = options.topic;
    this.#logger = options.logger ?? consoleLogger;
    this.#timers = options.timers ?? defaultTimers;
    this.#state = new TableState(
      options.keyCodec ?? utf8(),
      options.valueCodec,
      options.tombstoneHistory ?? 100_000,
    );
    this.#waiters = new Waiters(this.#timers);
    this.#ownsSource = options.source === undefined;
    this.#source =
      options.source ??
      kafkajsSource({
        ...(options.kafka ? { kafka: options.kafka } : {}),
        ...(options.brokers ? { brokers: options.brokers } : {}),
        ...(options.clientId ? { clientId: options.clientId } : {}),
        logger: this.#logger,
      });
  }

  /**
   * A table of JSON values; with a Standard Schema (zod, valibot, ...) values are validated and
   * typed by it, and values that fail validation count as decode errors.
   */
  static json<S extends StandardSchemaV1>(
    options: Omit<KafkaTableOptions<unknown>, 'valueCodec'> & { readonly schema: S },
  ): KafkaTable<StandardSchemaV1.InferOutput<S>>;
  static json<T = unknown>(options: Omit<KafkaTableOptions<T>, 'valueCodec'>): KafkaTable<T>;
  static json(
    options: Omit<KafkaTableOptions<unknown>, 'valueCodec'> & {
      readonly schema?: StandardSchemaV1;
    },
  ): KafkaTable<unknown> {
    const { schema, ...rest } = options;
    return new KafkaTable({ ...rest, valueCodec: schema ? json({ schema }) : json() });
  }

  /** See {@link TableStatus}; precedence failed > unstarted > caught_up > degraded > loading. */
  get status(): TableStatus {
    return this.#status;
  }

  /** The error that stopped the reader, once status is `failed`. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  get stats(): TableStats {
    const s = this.#state;
    return Object.freeze({
      recordsApplied: s.recordsApplied,
      tombstonesApplied: s.tombstonesApplied,
      keylessRecords: s.keylessRecords,
      keyDecodeErrors: s.keyDecodeErrors,
      valueDecodeErrors: s.valueDecodeErrors,
      catchUpSeconds: this.#catchUpSeconds,
      replayedAtCatchUp: this.#replayedAtCatchUp,
    });
  }

  /**
   * The topic's identity: its Kafka topic id when the source can tell it, else its name. Known
   * once start() has read the topic's offsets.
   */
  get topicId(): string | undefined {
    return this.#topicId;
  }

  /**
   * What changed since `from` (a position this table has passed): the current value of every key
   * written at or after it, and the keys deleted since. Undefined when the table can no longer
   * prove it knows every delete since `from` (its tombstone history was exceeded, or the log was
   * truncated): send a full snapshot instead.
   */
  changesSince(from: TablePosition): { sets: Array<[string, V]>; deletes: string[] } | undefined {
    this.#assertStarted();
    return this.#state.changesSince(from);
  }

  /**
   * The table at its current `position`, to be read a slice at a time while batches keep being
   * applied: a streamed snapshot that still describes one position. With `since`, only what
   * changed since then (`mode` 'resume'), unless the deletes since then are no longer all known
   * (`mode` 'reset'). Holds the old value of every key that changes before it is read: close it
   * as soon as it is not needed.
   */
  openView(
    options: { since?: TablePosition; matches?: (key: string) => boolean } = {},
  ): SnapshotView<V> {
    this.#assertStarted();
    return this.#state.openView(this.position, options);
  }

  /** The topic's current end offsets (committed data), per partition. One offsets request. */
  async endOffsets(): Promise<number[]> {
    this.#assertStarted();
    const end: number[] = [];
    for (const o of await this.#source.offsets(this.topic)) end[o.partition] = o.end;
    return end;
  }

  /**
   * Resolves true once the table's position covers `target` on every partition, false on
   * timeout, stop or failure.
   */
  waitForPosition(target: TablePosition, timeoutMs: number): Promise<boolean> {
    validatePositiveInteger('timeoutMs', timeoutMs);
    if (!this.#readable) return Promise.resolve(false);
    return this.#waiters.add(target, timeoutMs, this.#state.positions);
  }

  /** The next offset the table will apply, per partition (index = partition). A copy. */
  get position(): TablePosition {
    return Array.from(this.#state.positions, (offset) => offset ?? 0);
  }

  /**
   * Replays the topic and resolves once caught up, or on catch-up timeout with status
   * `degraded` (reading goes on). Rejects on a second call, a missing topic when ensureTopic is
   * off, a reader that dies before catch-up (status `failed`), or stop() before catch-up.
   */
  async start(): Promise<void> {
    if (this.#started) {
      throw new TablecastError(
        'TABLE_ALREADY_STARTED',
        `Table "${this.topic}" was already started; a table starts once.`,
      );
    }
    this.#started = true;
    this.#startedAt = performance.now();
    this.#updateStatus();
    const settled = new Promise<void>((resolve) => {
      this.#settleStart = resolve;
    });
    const timeout = this.#timers.setTimeout(() => {
      if (this.#caughtUp || this.#stopped) return;
      this.#timedOut = true;
      this.#logger.warn(
        `Table "${this.topic}" did not catch up within ${this.#catchupTimeoutMs} ms; serving as degraded while it goes on.`,
        {
          remaining: this.#gate?.remaining(this.#state.positions),
        },
      );
      this.#updateStatus();
      this.#settleStart?.();
    }, this.#catchupTimeoutMs);
    try {
      await this.#open();
      await settled;
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#timers.clearTimeout(timeout);
      this.#settleStart = undefined;
    }
    if (this.#failure) throw this.#failure;
    if (this.#stopped && !this.#caughtUp && !this.#timedOut) {
      throw new TablecastError(
        'TABLE_STOPPED',
        `Table "${this.topic}" was stopped before it caught up.`,
      );
    }
  }

  get #catchupTimeoutMs(): number {
    return this.#options.catchupTimeoutMs ?? 30_000;
  }

  async #open(): Promise<void> {
    const o = this.#options;
    if (o.ensureTopic !== false) {
      await ensureTopic({
        topic: this.topic,
        ...(o.kafka ? { kafka: o.kafka } : {}),
        ...(o.brokers ? { brokers: o.brokers } : {}),
        ...(o.numPartitions ? { numPartitions: o.numPartitions } : {}),
        ...(o.topicConfigs ? { topicConfigs: o.topicConfigs } : {}),
        ...(o.onPolicyMismatch ? { onPolicyMismatch: o.onPolicyMismatch } : {}),
        logger: this.#logger,
      });
    }
    if (this.#stopped) return;
    const [offsets, topicId] = await Promise.all([
      this.#source.offsets(this.topic),
      this.#source.topicId?.(this.topic),
    ]);
    this.#topicId = topicId ?? this.topic;
    const startAt = new Map<number, number>();
    for (const { partition, earliest } of offsets) {
      startAt.set(partition, earliest);
      this.#state.positions[partition] = earliest;
      // Deletes before the log start are gone from the log: no resume can reach back there.
      this.#state.tombstones.horizon[partition] = earliest;
    }
    this.#gate = new CatchUpGate(
      offsets.map((o) => [o.partition, o.end] as const),
      this.#state.positions,
    );
    if (this.#gate.open) this.#markCaughtUp();
    if (this.#stopped) return;
    const subscription = await this.#source.consume({
      topic: this.topic,
      startAt,
      onBatch: (batch) => this.#onBatch(batch),
      onFatal: (error) => this.#fail(error),
      positionOf: (partition) => this.#state.positions[partition],
    });
    if (this.#stopped || this.#failure) {
      await subscription.close();
      return;
    }
    this.#subscription = subscription;
  }

  #onBatch(batch: RecordBatch): void {
    if (this.#stopped || this.#failure) return;
    const changes: TableChange<V>[] | undefined = this.#changeListeners.size > 0 ? [] : undefined;
    if (this.#state.apply(batch, changes)) {
      this.#logger.warn(
        `Table "${this.topic}" rebuilt partition ${batch.partition}: its log was truncated below the table's position.`,
        {
          partition: batch.partition,
          from: batch.fetchOffset,
        },
      );
    }
    if (changes !== undefined && changes.length > 0) this.#emitChanges(changes);
    const position = this.#state.positions[batch.partition] ?? 0;
    if (this.#gate?.advance(batch.partition, position)) this.#markCaughtUp();
    this.#waiters.check(this.#state.positions);
  }

  #markCaughtUp(): void {
    if (this.#caughtUp) return;
    this.#caughtUp = true;
    this.#catchUpSeconds = (performance.now() - this.#startedAt) / 1000;
    this.#replayedAtCatchUp = this.#state.recordsApplied;
    this.#updateStatus();
    this.#settleStart?.();
  }

  #fail(error: unknown): void {
    if (this.#failure || this.#stopped) return;
    this.#failure = toError(error);
    this.#updateStatus();
    this.#waiters.cancelAll();
    this.#settleStart?.();
    const subscription = this.#subscription;
    this.#subscription = undefined;
    void subscription?.close().catch(() => undefined);
  }

  #updateStatus(): void {
    const next: TableStatus = this.#failure
      ? 'failed'
      : !this.#started
        ? 'unstarted'
        : this.#caughtUp
          ? 'caught_up'
          : this.#timedOut
            ? 'degraded'
            : 'loading';
    if (next === this.#status) return;
    this.#status = next;
    for (const listener of [...this.#statusListeners]) {
      try {
        listener(next, this.#failure);
      } catch (error) {
        this.#logger.error('A status listener threw; the table goes on.', {
          topic: this.topic,
          error,
        });
      }
    }
  }

  #emitChanges(changes: readonly TableChange<V>[]): void {
    for (const listener of [...this.#changeListeners]) {
      try {
        listener(changes);
      } catch (error) {
        this.#logger.error('A change listener threw; the table goes on.', {
          topic: this.topic,
          error,
        });
      }
    }
  }

  /**
   * Calls `listener` with the changes of every applied batch, in apply order. Changes before
   * the call are not replayed: read the map first, then follow the changes. Returns an
   * unsubscribe function.
   */
  onChanges(listener: ChangeListener<V>): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Calls `listener` on every status change. Returns an unsubscribe function. */
  onStatus(listener: StatusListener): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /**
   * Resolves true once the table has applied `position` (e.g. what a writer returned), false on
   * timeout, stop or failure. Never hangs.
   */
  waitFor(position: LogPosition, timeoutMs: number): Promise<boolean> {
    validatePositiveInteger('timeoutMs', timeoutMs);
    if (!Number.isInteger(position?.partition) || !Number.isInteger(position?.offset)) {
      throw new TypeError('waitFor needs a { partition, offset } position with integer fields.');
    }
    if (!this.#readable) return Promise.resolve(false);
    const target = [] as number[];
    target[position.partition] = position.offset + 1;
    return this.#waiters.add(target, timeoutMs, this.#state.positions);
  }

  /**
   * Resolves true once the table has applied everything written to the topic before the call
   * (read-your-writes), false on timeout, stop or failure. Costs one offsets request.
   */
  async barrier(timeoutMs: number): Promise<boolean> {
    validatePositiveInteger('timeoutMs', timeoutMs);
    if (!this.#readable) return false;
    const deadline = performance.now() + timeoutMs;
    let offsets: Awaited<ReturnType<KafkaSource['offsets']>>;
    try {
      offsets = await this.#withTimeout(this.#source.offsets(this.topic), timeoutMs);
    } catch {
      return false;
    }
    if (!this.#readable) return false;
    const target: number[] = [];
    for (const { partition, end } of offsets) target[partition] = end;
    const left = Math.max(1, Math.ceil(deadline - performance.now()));
    return this.#waiters.add(target, left, this.#state.positions);
  }

  get #readable(): boolean {
    return this.#started && !this.#stopped && !this.#failure;
  }

  #withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const handle = this.#timers.setTimeout(() => reject(new Error('timeout')), ms);
      promise.then(
        (value) => {
          this.#timers.clearTimeout(handle);
          resolve(value);
        },
        (error: unknown) => {
          this.#timers.clearTimeout(handle);
          reject(error);
        },
      );
    });
  }

  /** Stops reading and releases the consumer, timers and listeners. Reads keep serving the last state. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#waiters.cancelAll();
    this.#settleStart?.();
    const subscription = this.#subscription;
    this.#subscription = undefined;
    try {
      await subscription?.close();
      if (this.#ownsSource) await this.#source.close();
    } finally {
      this.#changeListeners.clear();
      this.#statusListeners.clear();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // Reads. They throw before start(); after stop() or failure they serve the frozen state.

  #assertStarted(): void {
    if (!this.#started) {
      throw new TablecastError(
        'TABLE_NOT_STARTED',
        `Table "${this.topic}" has not been started; call and await start() before reading.`,
      );
    }
  }

  get(key: string): V | undefined {
    this.#assertStarted();
    return this.#state.entries.get(key)?.value;
  }

  /** The value of `key` with the partition and offset of the record it came from. */
  entry(key: string): TableEntry<V> | undefined {
    this.#assertStarted();
    const entry = this.#state.entries.get(key);
    return entry && { value: entry.value, partition: entry.partition, offset: entry.offset };
  }

  has(key: string): boolean {
    this.#assertStarted();
    return this.#state.entries.has(key);
  }

  get size(): number {
    this.#assertStarted();
    return this.#state.entries.size;
  }

  *keys(): IterableIterator<string> {
    this.#assertStarted();
    yield* this.#state.entries.keys();
  }

  *values(): IterableIterator<V> {
    this.#assertStarted();
    for (const entry of this.#state.entries.values()) yield entry.value;
  }

  *entries(): IterableIterator<[string, V]> {
    this.#assertStarted();
    for (const [key, entry] of this.#state.entries) yield [key, entry.value];
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** A copy of the map as it is now. */
  snapshot(): Map<string, V> {
    this.#assertStarted();
    const copy = new Map<string, V>();
    for (const [key, entry] of this.#state.entries) copy.set(key, entry.value);
    return copy;
  }
}
