import { describe, expect, it } from 'vitest';
import { connectProducer, holdableSource, json, produce, until } from '../../test/fixtures.js';
import { kafkaTableTestBed, SOURCES } from '../../test/kafka-table-fixtures.js';

const bed = kafkaTableTestBed();
const { table, events, topicWith } = bed;

describe('KafkaTable against a real broker', () => {
  it.each(SOURCES)('picks up partitions added after start (%s)', async (_name, makeSource) => {
    const { topic, admin, kafka: k } = await topicWith([{ key: 'a', value: json(1) }]);
    const t = table(topic, { source: bed.cleanup.add(makeSource(), (s) => s.close()) });
    await t.start();
    await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
    // A producer that already has the topic's metadata would silently drop a record for a
    // partition it does not know yet, so a new one writes it.
    const producer = await connectProducer(k, bed.cleanup);
    await produce(producer, topic, [{ key: 'late', value: json(2), partition: 1 }]);
    await until(events(t), () => t.has('late'), 'the record in the new partition');
    expect(t.entry('late')?.partition).toBe(1);
  });

  it.each(SOURCES)(
    'rebuilds a partition whose log was deleted below its position instead of keeping ghosts (%s)',
    async (_name, makeSource) => {
      // Brokers refuse DeleteRecords on compacted topics; retention on a delete-policy topic is
      // the real-world way a log start moves past a reader.
      const { topic, admin, producer } = await topicWith(
        [
          { key: 'ghost', value: json('old') },
          { key: 'kept', value: json('old') },
        ],
        1,
        { 'cleanup.policy': 'delete' },
      );
      const held = holdableSource(makeSource());
      bed.cleanup.add(held.source, (s) => s.close());
      const t = table(topic, { source: held.source });
      await t.start();
      expect(t.size).toBe(2);
      const heldBatch = held.hold();
      await produce(producer, topic, [{ key: 'kept', value: json('new') }]);
      await heldBatch;
      // While the table is held at offset 2, records 2..9 are written and 0..8 deleted.
      await produce(
        producer,
        topic,
        Array.from({ length: 7 }, (_, i) => ({ key: `n${i}`, value: json(i) })),
      );
      // kafkajs needs the topic's leaders in its metadata before it can route DeleteRecords.
      await admin.fetchTopicOffsets(topic);
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '9' }] });
      held.release();
      await until(events(t), () => !t.has('ghost') && t.has('n6'), 'the rebuilt partition');
      expect(t.has('kept')).toBe(false);
      expect(t.get('n6')).toBe(6);
      expect(t.size).toBe(1);
    },
  );
});
