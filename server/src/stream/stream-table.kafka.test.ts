import type { Producer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quiet } from '../../../test/bridge-fixtures.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  testKafka,
} from '../../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../../test/kafka.js';
import { runKcat } from '../../../test/producers/kcat.js';
import type { StreamRow } from './stream-row.js';
import { StreamTable, type StreamTableOptions } from './stream-table.js';

const BASE = Date.UTC(2026, 0, 1);

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

/** A topic with retention by time (not compacted) and `perPartition` records in each partition. */
async function eventTopic(prefix: string, partitions: number, perPartition: number) {
  const topic = uniqueTopic(prefix);
  const kafka = testKafka(brokers());
  await createTopic(await connectAdmin(kafka, cleanup), topic, partitions, {
    'cleanup.policy': 'delete',
  });
  const producer = await connectProducer(kafka, cleanup);
  for (let p = 0; p < partitions; p++) {
    await send(producer, topic, p, 0, perPartition);
  }
  return { topic, producer };
}

/** Records `from`..`to`-1 of a partition, each at BASE + i seconds, value `{ p, i }`. */
async function send(producer: Producer, topic: string, p: number, from: number, to: number) {
  const messages = [];
  for (let i = from; i < to; i++) {
    messages.push({
      key: `k${i}`,
      value: JSON.stringify({ p, i }),
      partition: p,
      timestamp: String(BASE + i * 1000),
    });
  }
  await producer.send({ topic, acks: -1, messages });
}

/** Produces one record with headers through kcat (`-H k=v`), the value on its stdin. */
function kcat(topic: string, key: string, headers: string[], value: string): Promise<void> {
  const args = ['-b', brokers()[0]!, '-P', '-t', topic, '-k', key];
  for (const header of headers) args.push('-H', header);
  return runKcat(args, value).then(() => undefined);
}

async function started<T = unknown>(
  options: Omit<StreamTableOptions<T>, 'valueCodec' | 'brokers' | 'logger'>,
) {
  const connection = options.kafka === undefined ? { brokers: brokers() } : {};
  const table = cleanup.add(
    StreamTable.json<T>({ ...connection, logger: quiet, ...options }),
    (t) => t.stop(),
  );
  await table.start();
  return table;
}

const rowIds = (table: StreamTable<unknown>) => [...table.keys()].sort();

describe('StreamTable over a real topic', () => {
  it('earliest reads every record still on the broker as rows', async () => {
    const { topic } = await eventTopic('stream-earliest', 2, 5);
    const table = await started({ topic, start: 'earliest', limit: 100 });
    expect(table.status).toBe('caught_up');
    expect(table.size).toBe(10);
    expect(table.get('1:3')).toEqual({
      key: 'k3',
      value: { p: 1, i: 3 },
      timestamp: BASE + 3000,
      partition: 1,
      offset: 3,
    });
    // A stream table never creates nor checks its topic: a delete-policy topic is fine.
    expect(table.stats.recordsApplied).toBe(10);
  });

  it('latest is caught up at once with no rows, then holds what is written after start', async () => {
    const { topic, producer } = await eventTopic('stream-latest', 1, 5);
    const table = await started({ topic, start: 'latest' });
    expect(table.status).toBe('caught_up');
    expect(table.size).toBe(0);
    await send(producer, topic, 0, 5, 7);
    await table.barrier(10_000);
    expect(rowIds(table)).toEqual(['0:5', '0:6']);
  });

  it('lastPerPartition reads only the last n records of each partition: the gate opens there', async () => {
    const { topic } = await eventTopic('stream-last', 2, 10);
    const table = await started({ topic, start: { lastPerPartition: 3 } });
    expect(table.status).toBe('caught_up');
    expect(rowIds(table)).toEqual(['0:7', '0:8', '0:9', '1:7', '1:8', '1:9']);
    expect(table.stats.recordsApplied).toBe(6);
    expect(table.position).toEqual([10, 10]);
  });

  it('a timestamp start reads from the first record at or after that time', async () => {
    const { topic } = await eventTopic('stream-time', 2, 10);
    const table = await started({ topic, start: { timestamp: BASE + 7500 } });
    expect(table.status).toBe('caught_up');
    expect(rowIds(table)).toEqual(['0:8', '0:9', '1:8', '1:9']);
    expect(table.stats.recordsApplied).toBe(4);
  });

  it('the default start fills the ring: the last `limit` records of each partition', async () => {
    const { topic } = await eventTopic('stream-default', 1, 10);
    const table = await started({ topic, limit: 4 });
    expect(rowIds(table)).toEqual(['0:6', '0:7', '0:8', '0:9']);
    expect(table.stats.recordsApplied).toBe(4);
  });

  it('keeps the last `limit` rows as records keep coming, oldest leaving first', async () => {
    const { topic, producer } = await eventTopic('stream-ring', 1, 0);
    const table = await started({ topic, limit: 5, start: 'earliest' });
    const gone: string[] = [];
    table.onChanges((changes) => {
      for (const c of changes) if (c.deleted) gone.push(c.key);
    });
    for (let i = 0; i < 12; i += 3) {
      await send(producer, topic, 0, i, i + 3);
      await table.barrier(10_000);
    }
    expect(rowIds(table)).toEqual(['0:10', '0:11', '0:7', '0:8', '0:9']);
    expect(gone).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '0:5', '0:6']);
  });

  it('with retainMs, rows older than the newest record time minus retainMs leave', async () => {
    const { topic, producer } = await eventTopic('stream-retain', 1, 5);
    const table = await started({ topic, start: 'earliest', retainMs: 2_500 });
    expect(rowIds(table)).toEqual(['0:2', '0:3', '0:4']);
    await send(producer, topic, 0, 5, 6);
    await table.barrier(10_000);
    expect(rowIds(table)).toEqual(['0:3', '0:4', '0:5']);
  });

  it('counts values that do not decode and skips their records', async () => {
    const { topic, producer } = await eventTopic('stream-bad', 1, 2);
    await producer.send({ topic, acks: -1, messages: [{ key: 'bad', value: '{not json' }] });
    const table = await started({ topic, start: 'earliest' });
    expect(rowIds(table)).toEqual(['0:0', '0:1']);
    expect(table.stats.valueDecodeErrors).toBe(1);
  });

  for (const via of ['wire', 'kafkajs'] as const) {
    it(`carries headers written by kcat as text (${via} source)`, async () => {
      const { topic } = await eventTopic(`stream-headers-${via}`, 1, 0);
      await kcat(topic, 'deploy', ['trace=abc', 'team=core'], '{"v":1}');
      const table = await started({
        topic,
        start: 'earliest',
        headers: true,
        ...(via === 'kafkajs' ? { kafka: testKafka(brokers()) } : {}),
      });
      const rows = [...table.values()] as StreamRow<unknown>[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        key: 'deploy',
        value: { v: 1 },
        headers: [
          ['trace', 'abc'],
          ['team', 'core'],
        ],
      });
    });
  }
});
