// kafkajs is CommonJS and Node's ESM loader cannot see all of its named exports (it misses
// ConfigResourceTypes, for one), so its runtime values come from the default export, here only.
import kafkajs from 'kafkajs';

export const { Kafka, logLevel, Partitioners, ConfigResourceTypes } = kafkajs;
export type {
  Admin,
  Consumer,
  ConsumerConfig,
  ICustomPartitioner,
  IHeaders,
  Kafka as KafkaClient,
  KafkaConfig,
  Producer,
} from 'kafkajs';
