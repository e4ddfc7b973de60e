import type { Logger } from '../../environment.js';
import { TablecastError } from '../../errors.js';
import type { ConsumeOptions, RecordBatch } from '../kafka-source.js';
import { type Cluster, isFatalError } from './cluster.js';
import { CRC_REFETCHES, CrcRefetches } from './crc-refetches.js';
import { earliestOffset } from './earliest-offset.js';
import { ErrorCode, errorName, fatalError, isFatal, needsMetadataRefresh } from './error-codes.js';
import {
  type FetchedPartition,
  type FetchLimits,
  type FetchResponse,
  fetchRequest,
} from './fetch.js';
import type { PartitionLeader } from './metadata.js';
import { leaderError } from './read-offsets.js';
import { CrcMismatchError, type DecodedRecords, decodeRecordBatches } from './record-batch.js';

export interface TopicReaderOptions {
  readonly cluster: Cluster;
  readonly consume: ConsumeOptions;
  readonly limits: FetchLimits;
  /** Check each record batch's CRC-32C (see `DecodeOptions.checkCrcs`). */
  readonly checkCrcs: boolean;
  readonly logger: Logger;
  /** Backoff after a failure: doubles from `retryMs` up to `maxRetryMs`, with jitter. */
  readonly retryMs: number;
  readonly maxRetryMs: number;
  /** How often metadata is refreshed to notice new partitions and moved leaders. */
  readonly metadataRefreshMs: number;
  /** Names this reader's fetch connections, so closing it closes exactly those. */
  readonly purpose: string;
}

type Outcome = 'ok' | 'refresh' | 'retry';

const WARNING_INTERVAL_MS = 60_000;

/** A fetch on its way: the offsets it asked for, and the answer to come. */
interface InFlight {
  readonly offsets: ReadonlyMap<number, number>;
  readonly response: Promise<FetchResponse>;
}

/**
 * Reads every partition of one topic, one fetch loop per leader broker, all of that leader's
 * partitions in each request. Positions live here, in memory: a lost connection, a moved
 * leader or a restarted broker resumes from them. Only fatal errors end the reader (onFatal).
 */
export class TopicReader {
  readonly #o: TopicReaderOptions;
  readonly #topic: string;
  readonly #positions = new Map<number, number>();
  readonly #crcRefetches = new CrcRefetches();
  readonly #leaders = new Map<number, PartitionLeader>();
  readonly #loops = new Map<number, Promise<void>>();
  readonly #sleeps = new Set<() => void>();
  #topicId: string | undefined;
  #refreshing: Promise<void> | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #rotation = 0;
  /** Whether a failure was logged since the last successful fetch. */
  #warned = false;
  /** When a failure was last logged. */
  #warnedAt = Number.NEGATIVE_INFINITY;
  /** Whether every onBatch so far returned nothing, so fetching ahead is safe. */
  #synchronous = true;

  constructor(options: TopicReaderOptions) {
    this.#o = options;
    this.#topic = options.consume.topic;
  }

  /** Reads metadata once (failing if it cannot), then starts fetching. */
  async start(): Promise<void> {
    await this.#refresh(true);
    this.#interval = setInterval(() => {
      this.#refresh(false).catch((error: unknown) =>
        this.#transient('Metadata refresh failed', error),
      );
    }, this.#o.metadataRefreshMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#interval);
    for (const wake of this.#sleeps) wake();
    this.#o.cluster.release(this.#o.purpose);
    await Promise.allSettled([...this.#loops.values(), this.#refreshing]);
  }

  #refresh(initial: boolean): Promise<void> {
    this.#refreshing ??= this.#applyMetadata(initial).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #applyMetadata(initial: boolean): Promise<void> {
    const metadata = await this.#o.cluster.metadata(this.#topic);
    if (this.#closed) return;
    if (isFatal(metadata.error)) throw fatalError(metadata.error, `Metadata of "${this.#topic}"`);
    if (metadata.error !== ErrorCode.NONE) {
      if (initial) throw new Error(`Metadata of "${this.#topic}": ${errorName(metadata.error)}.`);
      return; // deleted, or not yet visible on this broker: keep reading what we know
    }
    // Only two known ids can differ: a broker of a mixed-version cluster may not give one.
    const known = this.#topicId;
    if (known !== undefined && metadata.topicId !== undefined && metadata.topicId !== known) {
      throw new TablecastError(
        'TOPIC_RECREATED',
        `Topic "${this.#topic}" was deleted and created again while the table read it; its offsets started over. Start a new table to read the new topic.`,
      );
    }
    this.#topicId = metadata.topicId ?? known;
    const { startAt, positionOf } = this.#o.consume;
    for (const leader of metadata.partitions) {
      const p = leader.partition;
      if (!this.#positions.has(p)) {
        // New partitions (added after start) begin at 0; if their log starts later, the
        // out-of-range answer moves them to their earliest offset.
        this.#positions.set(p, positionOf(p) ?? startAt.get(p) ?? 0);
      }
      this.#leaders.set(p, leader);
    }
    this.#startLoops();
  }

  #startLoops(): void {
    let leaderless = false;
    for (const leader of this.#leaders.values()) {
      const node = leaderError(leader) === ErrorCode.NONE ? leader.leader : -1;
      if (node < 0) leaderless = true;
      else if (!this.#loops.has(node)) this.#loops.set(node, this.#run(node));
    }
    // A partition without a leader (an election under way) is looked up again soon, not at
    // the next periodic refresh.
    if (leaderless && !this.#closed) {
      void this.#sleep(this.#o.retryMs * 5).then(() => {
        if (!this.#closed) {
          this.#refresh(false).catch((error: unknown) =>
            this.#transient('Metadata refresh failed', error),
          );
        }
      });
    }
  }

  /** Partitions this node leads, in a rotating order: see #request. */
  #partitionsOf(node: number) {
    const mine = [...this.#leaders.values()].filter(
      (l) => l.leader === node && leaderError(l) === ErrorCode.NONE,
    );
    const shift = this.#rotation++ % Math.max(1, mine.length);
    return [...mine.slice(shift), ...mine.slice(0, shift)];
  }

  async #run(node: number): Promise<void> {
    let failures = 0;
    let prefetched: InFlight | undefined;
    while (!this.#closed) {
      let inflight = prefetched ?? this.#request(node);
      prefetched = undefined;
      if (inflight === undefined) {
        this.#loops.delete(node); // synchronously with the check, so #startLoops sees it gone
        return;
      }
      let outcome: Outcome;
      try {
        const { batches, outcome: fetched } = await this.#receive(node, inflight);
        inflight = undefined;
        outcome = fetched;
        if (this.#closed) break;
        // While the table applies this response, the broker already prepares the next one.
        // Only for a table that takes batches synchronously: one that returns promises asks
        // for backpressure, and gets no fetch until they settle.
        if (outcome === 'ok' && this.#synchronous) prefetched = this.#request(node);
        await this.#deliverAll(batches);
        // This frame lives on while the next fetch long-polls; holding the records would keep
        // a whole response's worth of objects on the heap after catch-up.
        batches.length = 0;
      } catch (error) {
        if (this.#closed) break;
        if (isFatalError(error)) return this.#fatal(error);
        this.#transient(`Fetching from broker ${node} failed`, error);
        outcome = 'refresh';
      }
      if (outcome === 'ok') {
        failures = 0;
        this.#warned = false;
        continue;
      }
      await this.#sleep(this.#backoff(++failures));
      if (outcome === 'refresh' && !this.#closed) {
        await this.#refresh(false).catch((error: unknown) => {
          if (isFatalError(error)) this.#fatal(error);
          else this.#transient('Metadata refresh failed', error);
        });
      }
    }
    this.#loops.delete(node);
  }

  /**
   * Sends one fetch to `node` for every partition it leads, or returns undefined when it leads
   * none. The broker returns at least one whole batch only for the first partition with data
   * (KIP-74), so the order rotates: a partition whose next batch is larger than the
   * per-partition limit still gets its turn first.
   */
  #request(node: number): InFlight | undefined {
    const partitions = this.#partitionsOf(node);
    if (partitions.length === 0) return undefined;
    const offsets = new Map<number, number>();
    const wanted = partitions.map((l) => {
      const offset = this.#positions.get(l.partition) ?? 0;
      offsets.set(l.partition, offset);
      return { partition: l.partition, offset, leaderEpoch: l.leaderEpoch };
    });
    const topic = { name: this.#topic, id: this.#topicId };
    const response = (async () => {
      const broker = await this.#o.cluster.connectNode(node, this.#o.purpose);
      const version =
        topic.id === undefined ? Math.min(12, broker.fetchVersion) : broker.fetchVersion;
      return broker.connection.send(
        fetchRequest(version, topic, wanted, this.#o.limits),
        this.#o.limits.maxWaitMs + 30_000,
      );
    })();
    response.catch(() => undefined); // a prefetch dropped at close must not be unhandled
    return { offsets, response };
  }

  /** Waits for a fetch response and turns it into batches, moving positions past them. */
  async #receive(
    node: number,
    inflight: InFlight,
  ): Promise<{ batches: RecordBatch[]; outcome: Outcome }> {
    const response = await inflight.response;
    const batches: RecordBatch[] = [];
    if (this.#closed) return { batches, outcome: 'ok' };
    if (response.error !== ErrorCode.NONE) {
      return { batches, outcome: this.#onError(response.error, 'Fetch') };
    }
    let outcome: Outcome = 'ok';
    let stuck: number | undefined;
    for (const fetched of response.partitions) {
      // Asked at an offset the partition has since left (a reset while this was in flight).
      if (this.#positions.get(fetched.partition) !== inflight.offsets.get(fetched.partition)) {
        continue;
      }
      const result = await this.#onPartition(fetched, node, batches);
      if (result === 'stuck') stuck ??= fetched.partition;
      else if (result === 'refresh' || (result === 'retry' && outcome === 'ok')) outcome = result;
      if (this.#closed) break;
    }
    // Data but not one whole batch anywhere: a broker gives at least one (KIP-74), so asking
    // again at once would only get the same bytes as fast as it answers.
    if (stuck !== undefined && batches.length === 0 && outcome === 'ok') {
      this.#transient(
        `Fetch of partition ${stuck}`,
        new Error('the broker answered part of a record batch and nothing whole'),
      );
      outcome = 'retry';
    }
    return { batches, outcome };
  }

  /** `stuck`: the partition's data held no whole batch, so its position did not move. */
  async #onPartition(
    fetched: FetchedPartition,
    node: number,
    batches: RecordBatch[],
  ): Promise<Outcome | 'stuck'> {
    const partition = fetched.partition;
    const offset = this.#positions.get(partition);
    if (offset === undefined) return 'ok';
    if (fetched.error === ErrorCode.OFFSET_OUT_OF_RANGE) {
      const epoch = this.#leaders.get(partition)?.leaderEpoch ?? -1;
      const earliest = await earliestOffset(this.#o.cluster, node, this.#topic, partition, epoch);
      if (earliest === offset) {
        // Out of range at the very offset the broker lists as its earliest: reading on from
        // there at once would ask the same question in a loop.
        this.#transient(
          `Fetch of partition ${partition}`,
          new Error(`offset ${offset} is out of range, yet it is the earliest the broker lists`),
        );
        return 'retry';
      }
      this.#positions.set(partition, earliest);
      this.#o.logger.warn(
        `Partition ${partition} of "${this.#topic}" has no offset ${offset} any more; reading on from ${earliest}.`,
      );
      batches.push({ partition, fetchOffset: earliest, records: [], nextOffset: earliest });
      return 'ok';
    }
    if (fetched.error !== ErrorCode.NONE) {
      return this.#onError(fetched.error, `Fetch of partition ${partition}`);
    }
    if (fetched.records === null || fetched.records.length === 0) return 'ok';
    let decoded: DecodedRecords;
    try {
      decoded = decodeRecordBatches(fetched.records, offset, fetched.aborted ?? [], {
        headers: this.#o.consume.headers === true,
        checkCrcs: this.#o.checkCrcs,
      });
    } catch (error) {
      const refetch =
        error instanceof CrcMismatchError
          ? this.#crcRefetches.failed(partition, offset)
          : undefined;
      if (refetch === undefined) throw error;
      this.#o.logger.warn(
        `Partition ${partition} of "${this.#topic}" answered a batch that fails its CRC; fetching it again (${refetch} of ${CRC_REFETCHES}).`,
        { topic: this.#topic, error: String(error) },
      );
      return 'retry';
    }
    this.#crcRefetches.passed(partition);
    const { records, nextOffset } = decoded;
    if (nextOffset === offset && records.length === 0) return 'stuck';
    this.#positions.set(partition, nextOffset);
    batches.push({ partition, fetchOffset: offset, records, nextOffset });
    return 'ok';
  }

  /** Hands batches to the table; backpressure: resolves once every promise it returned settled. */
  async #deliverAll(batches: readonly RecordBatch[]): Promise<void> {
    const settling: Promise<void>[] = [];
    for (const batch of batches) {
      if (this.#closed) return;
      const settled = this.#o.consume.onBatch(batch);
      if (settled !== undefined) settling.push(settled.catch(() => undefined));
    }
    if (settling.length === 0) return;
    this.#synchronous = false;
    await Promise.all(settling);
  }

  #onError(code: number, what: string): Outcome {
    if (isFatal(code)) {
      this.#fatal(fatalError(code, `${what} of "${this.#topic}"`));
      return 'ok';
    }
    this.#transient(what, new Error(errorName(code)));
    return needsMetadataRefresh(code) ? 'refresh' : 'retry';
  }

  #fatal(error: unknown): void {
    if (this.#closed) return;
    void this.close();
    this.#o.consume.onFatal(error);
  }

  #transient(what: string, error: unknown): void {
    if (this.#closed) return;
    if (
      isFatalError(error) ||
      (error instanceof TablecastError && error.code === 'TOPIC_RECREATED')
    ) {
      this.#fatal(error);
      return;
    }
    // One warning per outage, not one per retry; and a broker that fails every other request
    // (each success ending an "outage") gets at most one a minute.
    const now = performance.now();
    if (this.#warned || now - this.#warnedAt < WARNING_INTERVAL_MS) return;
    this.#warned = true;
    this.#warnedAt = now;
    this.#o.logger.warn(`${what}; retrying with backoff until it works.`, {
      topic: this.#topic,
      error: String(error),
    });
  }

  #backoff(failures: number): number {
    const ceiling = Math.min(this.#o.maxRetryMs, this.#o.retryMs * 2 ** (failures - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleeps.add(wake);
    });
  }
}
