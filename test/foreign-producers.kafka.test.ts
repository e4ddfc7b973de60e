import { CompressionTypes, type Message } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KafkaTable } from '../server/src/kafka-table.js';
import { KafkaTableWriter } from '../server/src/kafka-table-writer.js';
import type { TableStatus } from '../server/src/table-types.js';
import { codecs } from '../shared/src/codecs/index.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  testKafka,
  until,
} from './fixtures.js';
import { brokers, uniqueTopic } from './kafka.js';
import { type Expected, expectedFrom, keyedRecords, tombstones } from './producers/dataset.js';
import {
  type Compression,
  compileJavaProducer,
  type JavaJob,
  type JavaStep,
  produceWithJava,
  runJavaProducer,
} from './producers/java-producer.js';
import { lastValues, produceWithKcat, readWithKcat } from './producers/kcat.js';

// Tables read data written by producers we did not write: the Java client shipped with Kafka
// and librdkafka (kcat), with every codec, transactions and headers. Each case asserts the map
// equals a model of what was written and that the gate latches at caught_up.

const quiet = { warn: () => {}, error: () => {} };
const CATCH_UP_MS = 15_000;
const KEYS = 120;

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

function table(topic: string) {
  return cleanup.add(
    new KafkaTable({
      brokers: brokers(),
      topic,
      valueCodec: codecs.utf8(),
      ensureTopic: false,
      catchupTimeoutMs: CATCH_UP_MS,
      logger: quiet,
    }),
    (t) => t.stop(),
  );
}

/** Every status the table takes from now on. */
function statusLog(t: KafkaTable<string>): TableStatus[] {
  const seen: TableStatus[] = [];
  t.onStatus((status) => seen.push(status));
  return seen;
}

const changesOrStatus = (t: KafkaTable<string>) => (listener: () => void) => {
  const a = t.onChanges(listener);
  const b = t.onStatus(listener);
  return () => {
    a();
    b();
  };
};

async function expectTable(topic: string, expected: Expected): Promise<void> {
  const t = table(topic);
  await t.start();
  expect(t.status).toBe('caught_up');
  expect(t.snapshot()).toEqual(expected.map);
  expect(t.stats).toMatchObject({
    recordsApplied: expected.records,
    tombstonesApplied: expected.tombstones,
    keylessRecords: 0,
    keyDecodeErrors: 0,
    valueDecodeErrors: 0,
  });
}

/** Two rounds over the keys, then tombstones: several batches per partition. */
function plainSteps(prefix: string): JavaStep[] {
  return [
    { records: keyedRecords(prefix, KEYS, 1) },
    { records: keyedRecords(prefix, KEYS, 2) },
    { records: tombstones(prefix, KEYS, 7) },
  ];
}

/** Committed and aborted transactions of one producer, interleaved; aborts rewrite and delete. */
function transactionSteps(prefix: string): JavaStep[] {
  return [
    { records: keyedRecords(prefix, KEYS, 1), end: 'commit' },
    { records: keyedRecords(prefix, KEYS, 2), end: 'abort' },
    { records: tombstones(prefix, KEYS, 5), end: 'abort' },
    { records: keyedRecords(prefix, KEYS / 2, 3), end: 'commit' },
    { records: keyedRecords(prefix, KEYS, 4), end: 'abort' },
    { records: tombstones(prefix, KEYS, 11), end: 'commit' },
    { records: keyedRecords(prefix, KEYS / 4, 5), end: 'abort' },
  ];
}

const CODECS: Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

interface Written {
  readonly topic: string;
  readonly expected: Expected;
}

// Every topic is written up front by one JVM and a few kcat runs, so a JVM starts once.
const java = new Map<string, Written>();
const kcat = new Map<string, Written>();
const setup = new Cleanup();

beforeAll(async () => {
  await compileJavaProducer();
  const admin = await connectAdmin(testKafka(brokers()), setup);
  const jobs: JavaJob[] = [];
  const add = async (name: string, job: Omit<JavaJob, 'topic'>) => {
    const topic = uniqueTopic(`foreign-${name}`);
    await createTopic(admin, topic, 2);
    jobs.push({ topic, ...job });
    java.set(name, { topic, expected: expectedFrom(job.steps) });
  };
  for (const compression of CODECS) {
    await add(compression, { compression, steps: plainSteps('k') });
  }
  await add('txn', {
    compression: 'lz4',
    transactionalId: uniqueTopic('txn'),
    steps: transactionSteps('t'),
  });
  await produceWithJava({ bootstrap: brokers().join(','), jobs });

  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const topic = uniqueTopic(`kcat-${compression}`);
    await createTopic(admin, topic, 2);
    const steps = plainSteps('c');
    for (const [i, step] of steps.entries()) {
      await produceWithKcat({
        brokers: brokers(),
        topic,
        compression,
        headers: { source: 'kcat', step: String(i) },
        records: step.records.map((r) => [r.key!, r.value] as const),
      });
    }
    kcat.set(compression, { topic, expected: expectedFrom(steps) });
  }
});
afterAll(() => setup.dispose());

describe('tables over topics written by the Java producer', () => {
  it.each(CODECS)('reads %s batches (idempotent producer, headers)', async (compression) => {
    const { topic, expected } = java.get(compression)!;
    await expectTable(topic, expected);
  });

  it('wrote the headers the tables step over, and the model map (kcat reads both back)', async () => {
    const { topic, expected } = java.get('none')!;
    const records = await readWithKcat(brokers(), topic);
    const withHeaders = plainSteps('k')
      .flatMap((s) => s.records)
      .filter((r) => r.headers).length;
    expect(records.filter((r) => r.headers.includes('source=java')).length).toBe(withHeaders);
    // Keys do not move between partitions, so per-partition order gives the model's map.
    expect(lastValues(records)).toEqual(expected.map);
    // librdkafka's read_committed agrees with the model of the interleaved transactions.
    const txn = java.get('txn')!;
    const committed = await readWithKcat(brokers(), txn.topic);
    expect(committed.length).toBe(txn.expected.records);
    expect(lastValues(committed)).toEqual(txn.expected.map);
  });

  it('applies committed transactions only, with several aborted ones of the same producer interleaved', async () => {
    const { topic, expected } = java.get('txn')!;
    await expectTable(topic, expected);
  });
});

describe('tables over topics written by kcat (librdkafka)', () => {
  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'reads %s batches with headers and NULL tombstones',
    async (compression) => {
      const { topic, expected } = kcat.get(compression)!;
      await expectTable(topic, expected);
    },
  );
});

describe('compression chosen by the broker or arriving live', () => {
  it('reads a compression.type=zstd topic written by KafkaTableWriter (the broker recompresses)', async () => {
    const topic = uniqueTopic('broker-zstd');
    const admin = await connectAdmin(testKafka(brokers()), cleanup);
    await createTopic(admin, topic, 2, { 'cleanup.policy': 'compact', 'compression.type': 'zstd' });
    const writer = cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.utf8() }),
      (w) => w.stop(),
    );
    await writer.start();
    const expected = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const value = `value ${i} ${'zstd '.repeat(20)}`;
      await writer.set(`w-${i}`, value);
      expected.set(`w-${i}`, value);
    }
    await writer.delete('w-3');
    expected.delete('w-3');
    await expectTable(topic, { map: expected, records: 41, tombstones: 1 });
  });

  it('applies an lz4 batch that arrives after catch-up and stays caught_up', async () => {
    const topic = uniqueTopic('live-lz4');
    const admin = await connectAdmin(testKafka(brokers()), cleanup);
    await createTopic(admin, topic, 2);
    const before: JavaStep = { records: keyedRecords('live', 20, 1) };
    const after: JavaStep = {
      records: [...keyedRecords('live', 30, 2), ...tombstones('live', 30, 4)],
    };
    const write = (step: JavaStep) =>
      produceWithJava({
        bootstrap: brokers().join(','),
        jobs: [{ topic, compression: 'lz4', steps: [step] }],
      });
    await write(before);
    const t = table(topic);
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(t.snapshot()).toEqual(expectedFrom([before]).map);
    const statuses = statusLog(t);
    await write(after);
    const expected = expectedFrom([before, after]).map;
    await until(
      changesOrStatus(t),
      () => t.size === expected.size && t.get('live-29') === expected.get('live-29'),
      'the live lz4 batch',
    );
    expect(await t.barrier(10_000)).toBe(true);
    expect(t.snapshot()).toEqual(expected);
    expect(t.status).toBe('caught_up');
    expect(statuses).toEqual([]);
  });
});

describe('a record a small compressed batch inflates', () => {
  /** A one-partition topic holding `messages`, in one batch kafkajs gzips, read by a table. */
  async function inflatedTable(name: string, messages: Message[]) {
    const topic = uniqueTopic(name);
    const kafka = testKafka(brokers());
    await createTopic(await connectAdmin(kafka, cleanup), topic, 1);
    const producer = await connectProducer(kafka, cleanup);
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
    const t = table(topic);
    await t.start();
    expect(t.status).toBe('caught_up');
    return t;
  }

  it('is refused past maxValueBytes before it is decoded; the rest of its batch applies', async () => {
    // 24 MiB of one byte: kafkajs gzips the batch to ~25 KB, which the broker accepts.
    const t = await inflatedTable('inflated', [
      { key: 'big', value: 'was small' },
      { key: 'big', value: Buffer.alloc(24 * 1024 * 1024, 0x30) },
      { key: 'next', value: 'fine' },
    ]);
    expect(t.snapshot()).toEqual(
      new Map([
        ['big', 'was small'],
        ['next', 'fine'],
      ]),
    );
    expect(t.stats.valueTooLargeErrors).toBe(1);
    expect(t.stats.valueDecodeErrors).toBe(0);
  });

  it('is skipped past maxKeyBytes when it is the key that inflates, tombstone or not', async () => {
    // A 4 MiB key: past the default 1 MiB, it would otherwise be in every snapshot and delta
    // that names it. The partition is given: kafkajs's default partitioner spins for minutes
    // hashing a key of megabytes.
    const huge = Buffer.alloc(4 * 1024 * 1024, 0x6b);
    const t = await inflatedTable('inflated-key', [
      { key: 'before', value: 'fine', partition: 0 },
      { key: huge, value: 'too long a key', partition: 0 },
      { key: huge, value: null, partition: 0 },
      { key: 'after', value: 'fine too', partition: 0 },
    ]);
    expect(t.snapshot()).toEqual(
      new Map([
        ['before', 'fine'],
        ['after', 'fine too'],
      ]),
    );
    expect(t.stats.keyDecodeErrors).toBe(2);
    expect(t.stats.tombstonesApplied).toBe(0);
  });
});

describe('a transaction open when the table starts', () => {
  async function openTransaction() {
    const topic = uniqueTopic('open-txn');
    const admin = await connectAdmin(testKafka(brokers()), cleanup);
    await createTopic(admin, topic, 2);
    const committed: JavaStep = { records: keyedRecords('base', 30, 1), end: 'commit' };
    const pending: JavaStep = {
      records: [
        ...keyedRecords('base', 30, 2),
        ...keyedRecords('new', 10, 2),
        ...tombstones('base', 30, 3),
      ],
      end: 'open',
    };
    const producer = await runJavaProducer({
      bootstrap: brokers().join(','),
      jobs: [
        {
          topic,
          compression: 'zstd',
          transactionalId: uniqueTopic('open'),
          steps: [committed, pending],
        },
      ],
    });
    cleanup.add(producer, (p) => p.kill());
    await producer.opened();
    // The target is the last stable offset: start() must not wait for the open transaction.
    const t = table(topic);
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(t.snapshot()).toEqual(expectedFrom([committed]).map);
    return { t, producer, committed, pending };
  }

  it('catches up without waiting for it, and applies its records once it commits', async () => {
    const { t, producer, committed, pending } = await openTransaction();
    producer.finish('commit');
    await producer.done;
    const expected = expectedFrom([committed, { ...pending, end: 'commit' }]).map;
    await until(changesOrStatus(t), () => t.has('new-9'), 'the committed transaction');
    expect(await t.barrier(10_000)).toBe(true);
    expect(t.snapshot()).toEqual(expected);
    expect(t.status).toBe('caught_up');
  });

  it('never applies its records when it aborts', async () => {
    const { t, producer, committed } = await openTransaction();
    producer.finish('abort');
    await producer.done;
    // The abort marker moves the last stable offset past the transaction; a barrier at it
    // proves the table read past the aborted records.
    expect(await t.barrier(10_000)).toBe(true);
    expect(t.snapshot()).toEqual(expectedFrom([committed]).map);
    expect(t.stats.recordsApplied).toBe(committed.records.length);
    expect(t.status).toBe('caught_up');
  });
});
