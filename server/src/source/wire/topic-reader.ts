import type { Logger } from '../../environment.js';
import { TablecastError } from '../../errors.js';
import type { ConsumeOptions, RecordBatch } from '../kafka-source.js';
import { type Cluster, isFatalError } from './cluster.js';
import { ErrorCode, errorName, fatalError, isFatal, needsMetadataRefresh } from './error-codes.js';
import { type FetchedPartition, type FetchLimits, fetchRequest } from './fetch.js';
import { EARLIEST, listOffsetsRequest } from './list-offsets.js';
import type { PartitionLeader } from './metadata.js';
import { leaderError } from './read-offsets.js';
import { decodeRecordBatches } from './record-batch.js';

export interface TopicReaderOptions {
  readonly cluster: Cluster;
  readonly consume: ConsumeOptions;
  readonly limits: FetchLimits;
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

/**
 * Reads every partition of one topic, one fetch loop per leader broker, all of that leader's
 * partitions in each request. Positions live here, in memory: a lost connection, a moved
 * leader or a restarted broker resumes from them. Only fatal errors end the reader (onFatal).
 */
export class TopicReader {
  readonly #o: TopicReaderOptions;
  readonly #topic: string;
  readonly #positions = new Map<number, number>();
  readonly #leaders = new Map<number, PartitionLeader>();
  readonly #loops = new Map<number, Promise<void>>();
  readonly #sleeps = new Set<() => void>();
  #topicId: string | undefined;
  #refreshing: Promise<void> | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #rotation = 0;

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
    if (this.#topicId !== undefined && metadata.topicId !== this.#topicId) {
      throw new TablecastError(
        'TOPIC_RECREATED',
        `Topic "${this.#topic}" was deleted and created again while the table read it; its offsets started over. Start a new table to read the new topic.`,
      );
    }
    this.#topicId = metadata.topicId;
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

  /** Partitions this node leads, in a rotating order: see #fetch. */
  #partitionsOf(node: number) {
    const mine = [...this.#leaders.values()].filter(
      (l) => l.leader === node && leaderError(l) === ErrorCode.NONE,
    );
    const shift = this.#rotation++ % Math.max(1, mine.length);
    return [...mine.slice(shift), ...mine.slice(0, shift)];
  }

  async #run(node: number): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      const partitions = this.#partitionsOf(node);
      if (partitions.length === 0) {
        this.#loops.delete(node); // synchronously with the check, so #startLoops sees it gone
        return;
      }
      let outcome: Outcome;
      try {
        outcome = await this.#fetch(node, partitions);
      } catch (error) {
        if (this.#closed) break;
        if (isFatalError(error)) return this.#fatal(error);
        this.#transient(`Fetching from broker ${node} failed`, error);
        outcome = 'refresh';
      }
      if (outcome === 'ok') {
        failures = 0;
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
   * One fetch from `node`. The broker returns at least one whole batch only for the first
   * partition with data (KIP-74), so the order rotates: a partition whose next batch is larger
   * than the per-partition limit still gets its turn first.
   */
  async #fetch(node: number, partitions: PartitionLeader[]): Promise<Outcome> {
    const broker = await this.#o.cluster.connectNode(node, this.#o.purpose);
    const wanted = partitions.map((l) => ({
      partition: l.partition,
      offset: this.#positions.get(l.partition) ?? 0,
      leaderEpoch: l.leaderEpoch,
    }));
    const topic = { name: this.#topic, id: this.#topicId };
    const version =
      this.#topicId === undefined ? Math.min(12, broker.fetchVersion) : broker.fetchVersion;
    const response = await broker.connection.send(
      fetchRequest(version, topic, wanted, this.#o.limits),
      this.#o.limits.maxWaitMs + 30_000,
    );
    if (this.#closed) return 'ok';
    if (response.error !== ErrorCode.NONE) return this.#onError(response.error, 'Fetch');
    const settling: Promise<void>[] = [];
    let outcome: Outcome = 'ok';
    for (const fetched of response.partitions) {
      const result = await this.#onPartition(fetched, node, settling);
      if (result === 'refresh' || (result === 'retry' && outcome === 'ok')) outcome = result;
      if (this.#closed) return 'ok';
    }
    // Backpressure: no next fetch until the table has taken these batches.
    if (settling.length > 0) await Promise.all(settling);
    return outcome;
  }

  async #onPartition(
    fetched: FetchedPartition,
    node: number,
    settling: Promise<void>[],
  ): Promise<Outcome> {
    const partition = fetched.partition;
    const offset = this.#positions.get(partition);
    if (offset === undefined) return 'ok';
    if (fetched.error === ErrorCode.OFFSET_OUT_OF_RANGE) {
      const earliest = await this.#earliest(node, partition);
      this.#positions.set(partition, earliest);
      this.#o.logger.warn(
        `Partition ${partition} of "${this.#topic}" has no offset ${offset} any more; reading on from ${earliest}.`,
      );
      this.#deliver(
        { partition, fetchOffset: earliest, records: [], nextOffset: earliest },
        settling,
      );
      return 'ok';
    }
    if (fetched.error !== ErrorCode.NONE) {
      return this.#onError(fetched.error, `Fetch of partition ${partition}`);
    }
    if (fetched.records === null || fetched.records.length === 0) return 'ok';
    const { records, nextOffset } = decodeRecordBatches(
      fetched.records,
      offset,
      fetched.aborted ?? [],
    );
    if (nextOffset === offset && records.length === 0) return 'ok';
    this.#positions.set(partition, nextOffset);
    this.#deliver({ partition, fetchOffset: offset, records, nextOffset }, settling);
    return 'ok';
  }

  #deliver(batch: RecordBatch, settling: Promise<void>[]): void {
    const settled = this.#o.consume.onBatch(batch);
    if (settled !== undefined) settling.push(settled.catch(() => undefined));
  }

  async #earliest(node: number, partition: number): Promise<number> {
    const broker = await this.#o.cluster.connectNode(node, 'admin');
    const leaderEpoch = this.#leaders.get(partition)?.leaderEpoch ?? -1;
    const [listed] = await broker.connection.send(
      listOffsetsRequest(
        broker.listOffsetsVersion,
        this.#topic,
        [{ partition, leaderEpoch }],
        EARLIEST,
      ),
    );
    if (listed === undefined || listed.error !== ErrorCode.NONE) {
      throw new Error(
        `Listing the earliest offset of partition ${partition} failed: ${errorName(listed?.error ?? -1)}.`,
      );
    }
    return listed.offset;
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
    this.#o.logger.warn(`${what}; retrying.`, { topic: this.#topic, error: String(error) });
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
