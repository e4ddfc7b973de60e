/**
 * Kafka plumbing for benchmarks: getting a broker, creating and filling topics, reading offsets.
 */
import { performance } from 'node:perf_hooks';
import type { Admin, Message } from 'kafkajs';
import kafkajs from 'kafkajs';
import { startKafka } from '../../scripts/kafka/broker.js';
import { resolveKafkaVersion } from '../../scripts/kafka/fetch.js';
import { type DatasetSpec, generateRecords, type PayloadSummary, PayloadTracker } from './data.js';
import { assertOk, runChild } from './proc.js';

const { Kafka, logLevel, Partitioners, ConfigResourceTypes } = kafkajs;

export interface BenchBroker {
  /** `host:port[,host:port…]` */
  readonly brokers: string;
  /** True when this process started the broker (and must stop it). */
  readonly owned: boolean;
  /** Kafka version, when the broker helper reports it. */
  readonly version: string | undefined;
  stop(): Promise<void>;
}

/**
 * `KAFKA_BROKERS` from the environment when set (that broker is left running), otherwise a
 * fresh KRaft broker from `scripts/kafka/broker.ts` (stopped, with its data, by `stop()`).
 */
export async function acquireBroker(
  options: { heapMb?: number; log?: (line: string) => void } = {},
): Promise<BenchBroker> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    return {
      brokers: fromEnv,
      owned: false,
      version: process.env.KAFKA_VERSION,
      stop: async () => {},
    };
  }
  const version = resolveKafkaVersion();
  const started = await startKafka({
    version,
    ...(options.heapMb === undefined ? {} : { heapMb: options.heapMb }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  let stopped: Promise<void> | undefined;
  return {
    brokers: started.brokers,
    owned: true,
    version,
    stop: () => {
      stopped ??= started.stop();
      return stopped;
    },
  };
}

export function kafkaClient(brokers: string, clientId = 'tablecast-bench') {
  return new Kafka({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
}

/** Runs `fn` with a connected admin client and always disconnects it. */
export async function withAdmin<T>(brokers: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient(brokers, 'tablecast-bench-admin').admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Creates a compacted topic. Segments are made large so the log cleaner leaves the freshly
 * written records alone while the benchmark reads them (only closed segments are compacted).
 */
export async function createCompactedTopic(
  admin: Admin,
  topic: string,
  partitions: number,
  extraConfig: Readonly<Record<string, string>> = {},
): Promise<void> {
  const config: Record<string, string> = {
    'cleanup.policy': 'compact',
    'segment.bytes': String(1024 * 1024 * 1024),
    'segment.ms': String(7 * 24 * 3600 * 1000),
    ...extraConfig,
  };
  const created = await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
      },
    ],
    waitForLeaders: true,
    timeout: 30_000,
  });
  if (!created) throw new Error(`topic ${topic} already exists`);
}

export async function deleteTopic(admin: Admin, topic: string): Promise<void> {
  await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
}

export interface PartitionRange {
  readonly partition: number;
  readonly low: number;
  readonly high: number;
}

export interface TopicOffsets {
  readonly partitions: readonly PartitionRange[];
  /** Sum of `high - low`: records a full replay walks over (compaction holes included). */
  readonly records: number;
}

export async function topicOffsets(admin: Admin, topic: string): Promise<TopicOffsets> {
  const rows = await admin.fetchTopicOffsets(topic);
  const partitions = rows
    .map((r) => ({ partition: r.partition, low: Number(r.low), high: Number(r.high) }))
    .sort((a, b) => a.partition - b.partition);
  return { partitions, records: partitions.reduce((sum, p) => sum + (p.high - p.low), 0) };
}

/** Best effort: the broker's `inter.broker.protocol.version` (Kafka 3.x), else undefined. */
export async function brokerProtocolVersion(admin: Admin): Promise<string | undefined> {
  try {
    const cluster = await admin.describeCluster();
    const id = cluster.brokers[0]?.nodeId;
    if (id === undefined) return undefined;
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.BROKER,
          name: String(id),
          configNames: ['inter.broker.protocol.version'],
        },
      ],
    });
    return described.resources[0]?.configEntries[0]?.configValue ?? undefined;
  } catch {
    return undefined;
  }
}

export type ProducerKind = 'kcat' | 'kafkajs';

export interface PopulateResult {
  readonly producer: ProducerKind;
  readonly seconds: number;
  readonly payload: PayloadSummary;
}

/**
 * Writes the dataset with `acks=all`, large batches, uncompressed unless `compression` (kcat's
 * `-z`) says otherwise. Both producers place
 * keys with murmur2 (the Java client's partitioner), so a key's revisions share a partition
 * and arrive there in order.
 */
export async function populateTopic(
  brokers: string,
  topic: string,
  spec: DatasetSpec,
  producer: ProducerKind,
  timeoutMs: number,
  compression = 'none',
): Promise<PopulateResult> {
  const tracker = new PayloadTracker(spec.keys);
  const start = performance.now();
  if (producer === 'kcat') {
    await populateWithKcat(brokers, topic, spec, tracker, timeoutMs, compression);
  } else {
    await populateWithKafkajs(brokers, topic, spec, tracker, timeoutMs);
  }
  return { producer, seconds: (performance.now() - start) / 1000, payload: tracker.summary() };
}

/** `key<TAB>value` lines in ~256 KiB chunks (JSON.stringify output never holds a raw tab). */
function* tsvChunks(spec: DatasetSpec, tracker: PayloadTracker): Generator<string> {
  let chunk = '';
  for (const record of generateRecords(spec)) {
    tracker.add(record);
    chunk += `${record.key}\t${record.value}\n`;
    if (chunk.length >= 256 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

async function populateWithKcat(
  brokers: string,
  topic: string,
  spec: DatasetSpec,
  tracker: PayloadTracker,
  timeoutMs: number,
  compression: string,
): Promise<void> {
  const args = [
    '-P',
    '-b',
    brokers,
    '-t',
    topic,
    '-K',
    '\t',
    '-z',
    compression,
    '-X',
    'acks=all',
    '-X',
    'linger.ms=20',
    '-X',
    'batch.num.messages=100000',
    '-X',
    'batch.size=4000000',
    '-X',
    'queue.buffering.max.messages=1000000',
    '-X',
    'topic.partitioner=murmur2_random',
    '-X',
    'enable.idempotence=false',
  ];
  const result = await runChild('kcat', args, {
    timeoutMs,
    stdout: 'capture',
    input: tsvChunks(spec, tracker),
  });
  assertOk(result, 'kcat -P');
}

async function populateWithKafkajs(
  brokers: string,
  topic: string,
  spec: DatasetSpec,
  tracker: PayloadTracker,
  timeoutMs: number,
): Promise<void> {
  const producer = kafkaClient(brokers, 'tablecast-bench-producer').producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    idempotent: false,
    maxInFlightRequests: 8,
  });
  await producer.connect();
  const deadline = performance.now() + timeoutMs;
  const batchSize = 8_000;
  const concurrency = 6;
  try {
    const inFlight = new Set<Promise<unknown>>();
    let failure: unknown;
    let batch: Message[] = [];
    const flush = async (messages: Message[]): Promise<void> => {
      const p = producer
        .send({ topic, acks: -1, timeout: 60_000, messages })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
      if (performance.now() > deadline) throw new Error('kafkajs producer: timed out');
    };
    for (const record of generateRecords(spec)) {
      tracker.add(record);
      batch.push({ key: record.key, value: record.value });
      if (batch.length >= batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await flush(batch);
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  } finally {
    await producer.disconnect().catch(() => {});
  }
}
