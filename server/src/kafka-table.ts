import type { StandardSchemaV1 } from '@standard-schema/spec';
import { json } from '../../shared/src/codecs/json.js';
import { CatchUp } from './catch-up.js';
import { CatchUpGate } from './catch-up-gate.js';
import { createTableState } from './create-table-state.js';
import { consoleLogger, defaultTimers, type Logger, type Timers } from './environment.js';
import { TablecastError, type TablecastErrorCode, toTablecastError } from './errors.js';
import {
  type KafkaTableOptions,
  validatePositiveInteger,
  validateTableOptions,
} from './kafka-table-options.js';
import { ensureTableTopic, tableSource } from './kafka-table-source.js';
import { Listeners } from './listeners.js';
import { PositionWaits } from './position-waits.js';
import { ENSURED_TOPIC_WAIT_MS, readTopic } from './read-topic.js';
import type { KafkaSource, RecordBatch, Subscription } from './source/kafka-source.js';
import type { TableKind } from './table-kind.js';
import { TableReads } from './table-reads.js';
import { tableStatusOf } from './table-status-of.js';
import type {
  LogPosition,
  TableChange,
  TablePosition,
  TableStats,
  TableStatus,
} from './table-types.js';

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
 *
 * Values are stored as the JSON text of their wire form and decoded on every read, so a value
 * must survive that round trip (JSON, or what superjson carries: Date, Map, Set, BigInt, ...);
 * reads return fresh copies. A value the wire cannot carry is rejected when applied, counted in
 * `stats.valueEncodeErrors`, and the key keeps its previous value; so is one longer than
 * `maxValueBytes` (`stats.valueTooLargeErrors`), before it is decoded.
 */
export class KafkaTable<V> extends TableReads<V> {
  readonly #options: KafkaTableOptions<V>;
  readonly #kind: TableKind<V> | undefined;
  readonly #logger: Logger;
  readonly #timers: Timers;
  readonly #source: KafkaSource;
  readonly #ownsSource: boolean;
  readonly #changeListeners: Listeners<[readonly TableChange<V>[]]>;
  readonly #statusListeners: Listeners<[TableStatus, Error | undefined]>;
  readonly #waits: PositionWaits;
  readonly #catchUp: CatchUp;
  #subscription: Subscription | undefined;
  #gate: CatchUpGate | undefined;
  /** Aborted by stop(): a wait of the start (readTopic) ends at once. */
  readonly #stopping = new AbortController();
  #timedOut = false;
  #failure: Error | undefined;
  #status: TableStatus = 'unstarted';
  #topicId: string | undefined;
  #settleStart: (() => void) | undefined;
  /** Set when a failure started releasing the client. */
  #released: Promise<void> | undefined;

  /**
   * @param kind What the table makes of its records; default the compacted map. Stream and
   *   aggregate tables are KafkaTables of another kind, so the bridge serves them like any table.
   */
  constructor(options: KafkaTableOptions<V>, kind?: TableKind<V>) {
    validateTableOptions(options);
    const logger = options.logger ?? consoleLogger;
    super(options.topic, createTableState(options, kind, logger));
    this.#kind = kind;
    this.#options = options;
    this.#logger = logger;
    this.#timers = options.timers ?? defaultTimers;
    this.#changeListeners = new Listeners(logger, 'change', { topic: options.topic });
    this.#statusListeners = new Listeners(logger, 'status', { topic: options.topic });
    this.#catchUp = new CatchUp(this.#timers);
    this.#ownsSource = options.source === undefined;
    this.#source = options.source ?? tableSource(options, logger);
    this.#waits = new PositionWaits({
      topic: options.topic,
      timers: this.#timers,
      source: this.#source,
      positions: this.state.positions,
      readable: () => this.#readable,
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

  /** See {@link TableStatus} and {@link tableStatusOf}. */
  get status(): TableStatus {
    return this.#status;
  }

  /**
   * The error that stopped the reader, once status is `failed`: always a TablecastError,
   * `KAFKA_ERROR` when Kafka failed (the client's error is its `cause`), `TOPIC_NOT_FOUND` or
   * `TOPIC_POLICY_MISMATCH` from the topic check, `TABLE_FAILED` when applying a batch threw.
   */
  get failure(): Error | undefined {
    return this.#failure;
  }

  get stats(): TableStats {
    const s = this.state;
    return Object.freeze({
      recordsApplied: s.recordsApplied,
      tombstonesApplied: s.tombstonesApplied,
      keylessRecords: s.keylessRecords,
      keyDecodeErrors: s.keyDecodeErrors,
      valueDecodeErrors: s.valueDecodeErrors,
      valueEncodeErrors: s.valueEncodeErrors,
      valueTooLargeErrors: s.valueTooLargeErrors,
      catchUpSeconds: this.#catchUp.seconds,
      replayedAtCatchUp: this.#catchUp.replayed,
    });
  }

  /**
   * The topic's identity: its Kafka topic id when the source can tell it, else its name. Known
   * once start() has read the topic's offsets.
   */
  get topicId(): string | undefined {
    return this.#topicId;
  }

  /** The topic's current end offsets (committed data), per partition. One offsets request. */
  async endOffsets(): Promise<number[]> {
    this.assertStarted();
    const end: number[] = [];
    for (const o of await this.#source.offsets(this.topic)) end[o.partition] = o.end;
    return end;
  }

  /**
   * Resolves true once the table's position covers `target` on every partition, false on
   * timeout, stop or failure.
   */
  waitForPosition(target: TablePosition, timeoutMs: number): Promise<boolean> {
    return this.#waits.forPosition(target, timeoutMs);
  }

  /**
   * Resolves true once the table is caught up (at once if it is), false on timeout, on stop
   * before catch-up, and once the table failed (even after it had caught up). Never hangs: a table
   * that started `degraded` resolves when it catches up later.
   */
  whenCaughtUp(timeoutMs: number): Promise<boolean> {
    validatePositiveInteger('timeoutMs', timeoutMs);
    if (this.#failure) return Promise.resolve(false);
    return this.#catchUp.wait(timeoutMs);
  }

  /**
   * Replays the topic and resolves once caught up, or on catch-up timeout with status
   * `degraded` (reading goes on). Rejects on a second call, a missing topic when ensureTopic is
   * off, a reader that dies before catch-up (status `failed`), or stop() before catch-up.
   */
  async start(): Promise<void> {
    if (this.started) {
      throw new TablecastError(
        'TABLE_ALREADY_STARTED',
        `Table "${this.topic}" was already started; a table starts once.`,
      );
    }
    this.started = true;
    this.#catchUp.start();
    this.#updateStatus();
    const settled = new Promise<void>((resolve) => {
      this.#settleStart = resolve;
    });
    const timeout = this.#timers.setTimeout(() => {
      if (this.#catchUp.reached || this.#stopped) return;
      this.#timedOut = true;
      this.#logger.warn(
        `Table "${this.topic}" did not catch up within ${this.#catchupTimeoutMs} ms; serving as degraded while it goes on.`,
        {
          remaining: this.#gate?.remaining(this.state.positions),
        },
      );
      this.#updateStatus();
      this.#settleStart?.();
    }, this.#catchupTimeoutMs);
    // Not awaited here: the catch-up timeout settles start() while the topic's offsets are
    // still being asked for (a broker that does not answer), and a failure settles it too.
    void this.#open().catch((error: unknown) =>
      this.#fail(error, 'KAFKA_ERROR', 'could not start reading'),
    );
    try {
      await settled;
    } finally {
      this.#timers.clearTimeout(timeout);
      this.#settleStart = undefined;
    }
    if (this.#failure) throw this.#failure;
    if (this.#stopped && !this.#catchUp.reached && !this.#timedOut) {
      throw new TablecastError(
        'TABLE_STOPPED',
        `Table "${this.topic}" was stopped before it caught up.`,
      );
    }
  }

  get #stopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  get #catchupTimeoutMs(): number {
    return this.#options.catchupTimeoutMs ?? 30_000;
  }

  async #open(): Promise<void> {
    const o = this.#options;
    const ensured = o.ensureTopic !== false && this.#kind?.compacted !== false;
    if (ensured) await ensureTableTopic(o, this.#logger);
    if (this.#stopped || this.#failure) return;
    const [offsets, topicId] = await readTopic(this.#source, this.topic, {
      timers: this.#timers,
      logger: this.#logger,
      signal: this.#stopping.signal,
      waitMs: ensured ? ENSURED_TOPIC_WAIT_MS : 0,
    });
    this.#topicId =
      this.#kind?.identity?.(topicId ?? this.topic, offsets.length) ?? topicId ?? this.topic;
    const startAt = this.#kind?.startAt
      ? await this.#kind.startAt(offsets, this.#source, this.topic)
      : new Map(offsets.map((o) => [o.partition, o.earliest]));
    if (this.#stopped || this.#failure) return;
    for (const [partition, start] of startAt) {
      this.state.positions[partition] = start;
      // Deletes before the start are not known: no resume can reach back there.
      this.state.tombstones.horizon[partition] = start;
    }
    this.#gate = new CatchUpGate(
      offsets.map((o) => [o.partition, o.end] as const),
      this.state.positions,
    );
    if (this.#gate.open) this.#markCaughtUp();
    if (this.#stopped || this.#failure) return;
    const subscription = await this.#source.consume({
      topic: this.topic,
      startAt,
      onBatch: (batch) => this.#onBatch(batch),
      onFatal: (error) => this.#fail(error, 'KAFKA_ERROR', 'stopped reading'),
      positionOf: (partition) => this.state.positions[partition],
      ...(this.#kind?.headers ? { headers: true } : {}),
    });
    if (this.#stopped || this.#failure) {
      await subscription.close();
      return;
    }
    this.#subscription = subscription;
  }

  #onBatch(batch: RecordBatch): void {
    if (this.#stopped || this.#failure) return;
    try {
      this.#apply(batch);
    } catch (error) {
      // Records never make apply throw (rejected values are counted), so this is a bug: fail
      // loudly rather than let the client retry the same batch forever.
      this.#fail(error, 'TABLE_FAILED', 'failed applying a batch');
    }
  }

  #apply(batch: RecordBatch): void {
    const changes: TableChange<V>[] | undefined = this.#changeListeners.size > 0 ? [] : undefined;
    if (this.state.apply(batch, changes)) {
      this.#logger.warn(
        `Table "${this.topic}" rebuilt partition ${batch.partition}: its log was truncated below the table's position.`,
        {
          partition: batch.partition,
          from: batch.fetchOffset,
        },
      );
    }
    if (changes !== undefined && changes.length > 0) this.#changeListeners.emit(changes);
    const position = this.state.positions[batch.partition] ?? 0;
    if (this.#gate?.advance(batch.partition, position)) this.#markCaughtUp();
    this.#waits.check();
  }

  #markCaughtUp(): void {
    if (!this.#catchUp.reach(this.state.recordsApplied)) return;
    this.#updateStatus();
    this.#catchUp.open();
    this.#settleStart?.();
  }

  /**
   * The reader is dead: status `failed`, and everything the table holds is released (consumer,
   * owned client, waiters, listeners) as stop() would; reads keep serving the frozen state.
   */
  #fail(error: unknown, code: TablecastErrorCode, what: string): void {
    if (this.#failure || this.#stopped) return;
    this.#failure = toTablecastError(error, code, `Table "${this.topic}" ${what}`);
    this.#updateStatus();
    this.#waits.cancelAll();
    this.#catchUp.cancel();
    this.#settleStart?.();
    this.#changeListeners.clear();
    this.#statusListeners.clear();
    this.#released = this.#release().catch((releaseError: unknown) => {
      this.#logger.warn('Releasing the Kafka client of a failed table failed.', {
        topic: this.topic,
        error: String(releaseError),
      });
    });
  }

  async #release(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    try {
      await subscription?.close();
    } finally {
      if (this.#ownsSource) await this.#source.close();
    }
  }

  #updateStatus(): void {
    const next = tableStatusOf({
      failed: this.#failure !== undefined,
      started: this.started,
      caughtUp: this.#catchUp.reached,
      timedOut: this.#timedOut,
    });
    if (next === this.#status) return;
    this.#status = next;
    this.#statusListeners.emit(next, this.#failure);
  }

  /**
   * Calls `listener` with the changes of every applied batch, in apply order. Changes before
   * the call are not replayed: read the map first, then follow the changes. Returns an
   * unsubscribe function.
   */
  onChanges(listener: ChangeListener<V>): () => void {
    return this.#changeListeners.add(listener);
  }

  /** Calls `listener` on every status change. Returns an unsubscribe function. */
  onStatus(listener: StatusListener): () => void {
    return this.#statusListeners.add(listener);
  }

  /**
   * Resolves true once the table has applied `position` (e.g. what a writer returned), false on
   * timeout, stop or failure. Never hangs.
   */
  waitFor(position: LogPosition, timeoutMs: number): Promise<boolean> {
    return this.#waits.forRecord(position, timeoutMs);
  }

  /**
   * Resolves true once the table has applied everything written to the topic before the call
   * (read-your-writes), false on timeout, stop or failure. Costs one offsets request.
   */
  barrier(timeoutMs: number): Promise<boolean> {
    return this.#waits.forEnd(timeoutMs);
  }

  get #readable(): boolean {
    return this.started && !this.#stopped && !this.#failure;
  }

  /** Stops reading and releases the consumer, timers and listeners. Reads keep serving the last state. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopping.abort();
    this.#waits.cancelAll();
    this.#catchUp.cancel();
    this.#settleStart?.();
    try {
      // A failed table is releasing its client already.
      await (this.#released ?? this.#release());
    } finally {
      this.#changeListeners.clear();
      this.#statusListeners.clear();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
