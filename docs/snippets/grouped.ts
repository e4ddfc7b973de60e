import {
  codecs,
  GroupedKafkaTable,
  GroupedKafkaTableWriter,
  KafkaTable,
  KafkaTableWriter,
} from 'tablecast/server';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const options = { brokers, topic: 'instances', valueCodec: codecs.json() };
const instances = new GroupedKafkaTable(new KafkaTable(options));
const writer = new GroupedKafkaTableWriter(new KafkaTableWriter(options));
await Promise.all([instances.start(), writer.start()]);
await writer.set('checkout', 'pod-7', { healthy: true }); // also delete(group, member)
console.log(instances.members('checkout')); // Map { 'pod-7' => { healthy: true } }; groups(), get(g, m)
