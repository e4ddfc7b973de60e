import { afterEach, beforeEach } from 'vitest';
import { KafkaTable } from '../server/src/kafka-table.js';
import { kafkajsSource } from '../server/src/source/kafkajs-source.js';
import { wireSource } from '../server/src/source/wire/wire-source.js';
import { codecs } from '../shared/src/codecs/index.js';
import { quiet } from './bridge-fixtures.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  type Message,
  produce,
  testKafka,
} from './fixtures.js';
import { brokers, uniqueTopic } from './kafka.js';

/** Both read paths; a short metadata age so new partitions are seen within a test. */
export const SOURCES = [
  ['wireSource', () => wireSource({ brokers: brokers(), logger: quiet, metadataRefreshMs: 500 })],
  [
    'kafkajsSource',
    () => kafkajsSource({ brokers: brokers(), logger: quiet, consumer: { metadataMaxAge: 500 } }),
  ],
] as const;

/**
 * What a KafkaTable test file shares: a Cleanup per test (made before and disposed after each
 * one) and helpers bound to it. Call once, at the top of the file.
 */
export function kafkaTableTestBed() {
  let current: Cleanup | undefined;
  beforeEach(() => {
    current = new Cleanup();
  });
  afterEach(() => current?.dispose());
  const kafka = () => testKafka(brokers());
  const bed = {
    /** The running test's cleanup. */
    get cleanup(): Cleanup {
      if (current === undefined) throw new Error('kafkaTableTestBed: no test is running.');
      return current;
    },
    kafka,
    /** A quiet JSON table over `topic`, stopped by the test's cleanup. */
    table<V = unknown>(
      topic: string,
      extra: Partial<ConstructorParameters<typeof KafkaTable<V>>[0]> = {},
    ) {
      const t = new KafkaTable<V>({
        brokers: brokers(),
        topic,
        valueCodec: codecs.json() as never,
        logger: quiet,
        ...extra,
      });
      return bed.cleanup.add(t, (x) => x.stop());
    },
    /** Subscribes `listener` to a table's changes and status, as one unsubscribe. */
    events: (t: KafkaTable<unknown>) => (listener: () => void) => {
      const a = t.onChanges(listener);
      const b = t.onStatus(listener);
      return () => {
        a();
        b();
      };
    },
    /** A new topic holding `messages`, with the admin and producer that made it. */
    async topicWith(messages: Message[], partitions = 1, configs?: Record<string, string>) {
      const topic = uniqueTopic('table');
      const k = kafka();
      const admin = await connectAdmin(k, bed.cleanup);
      await createTopic(admin, topic, partitions, configs);
      const producer = await connectProducer(k, bed.cleanup);
      await produce(producer, topic, messages);
      return { topic, admin, producer, kafka: k };
    },
  };
  return bed;
}
