import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  produce,
  testKafka,
} from '../../../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../../../test/kafka.js';
import { Cluster } from './cluster.js';
import { fetchRequest } from './fetch.js';
import { EARLIEST, LATEST, listOffsetsRequest } from './list-offsets.js';
import { metadataRequest } from './metadata.js';
import { decodeRecordBatches } from './record-batch.js';

// Every version the client may pick, asked of the real broker directly: older brokers would
// pick the lower ones, and their flexible and non-flexible layouts differ.
const cleanup = new Cleanup();
const cluster = new Cluster({
  brokers: brokers(),
  clientId: 'tablecast-test',
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
});
let topic: string;
let topicId: string | undefined;
let leader: number;

beforeAll(async () => {
  topic = uniqueTopic('versions');
  const kafka = testKafka(brokers());
  await createTopic(await connectAdmin(kafka, cleanup), topic, 2);
  const producer = await connectProducer(kafka, cleanup);
  await produce(producer, topic, [
    { key: 'a', value: '1', partition: 1 },
    { key: 'b', value: null, partition: 1 },
    { key: 'c', value: '3', partition: 1 },
  ]);
  const metadata = await cluster.metadata(topic);
  topicId = metadata.topicId;
  leader = metadata.partitions[1]!.leader;
});

afterAll(async () => {
  cluster.close();
  await cleanup.dispose();
});

const connection = async () => (await cluster.connectNode(leader, 'versions')).connection;

describe('protocol versions against a real broker', () => {
  it.each([9, 10, 11, 12])('Metadata v%i', async (version) => {
    const metadata = await (await connection()).send(metadataRequest(version, topic));
    expect(metadata.error).toBe(0);
    expect(metadata.partitions.map((p) => p.partition)).toEqual([0, 1]);
    expect(metadata.brokers.get(leader)).toBeDefined();
    expect(metadata.topicId).toBe(version >= 10 ? topicId : undefined);
  });

  it.each([2, 3, 4, 5, 6, 7])('ListOffsets v%i', async (version) => {
    const partitions = [{ partition: 1, leaderEpoch: -1 }];
    const c = await connection();
    const [earliest] = await c.send(listOffsetsRequest(version, topic, partitions, EARLIEST));
    const [latest] = await c.send(listOffsetsRequest(version, topic, partitions, LATEST));
    expect(earliest).toEqual({ partition: 1, error: 0, offset: 0 });
    expect(latest).toEqual({ partition: 1, error: 0, offset: 3 });
  });

  it.each([11, 12, 13])('Fetch v%i', async (version) => {
    const limits = { maxWaitMs: 0, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20 };
    const request = fetchRequest(
      version,
      { name: topic, id: topicId },
      [{ partition: 1, offset: 1, leaderEpoch: -1 }],
      limits,
    );
    const response = await (await connection()).send(request);
    const [fetched] = response.partitions;
    expect(fetched).toMatchObject({
      partition: 1,
      error: 0,
      highWatermark: 3,
      lastStableOffset: 3,
    });
    const { records, nextOffset } = decodeRecordBatches(fetched!.records!, 1, fetched!.aborted);
    expect(records.map((r) => [r.offset, String(r.key), r.value && String(r.value)])).toEqual([
      [1, 'b', null],
      [2, 'c', '3'],
    ]);
    expect(nextOffset).toBe(3);
  });
});
