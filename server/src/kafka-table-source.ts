import { ensureTopic } from './ensure-topic.js';
import type { Logger } from './environment.js';
import { security } from './kafka-client.js';
import type { KafkaTableOptions } from './kafka-table-options.js';
import type { KafkaSource } from './source/kafka-source.js';
import { kafkajsSource } from './source/kafkajs-source.js';
import { wireSource } from './source/wire/wire-source.js';

/**
 * The source a table reads through when its options name none: the kafkajs client it was given,
 * else the built-in wire client on `brokers`. The table owns it and closes it on stop.
 */
export function tableSource<V>(options: KafkaTableOptions<V>, logger: Logger): KafkaSource {
  const common = {
    ...(options.clientId ? { clientId: options.clientId } : {}),
    ...security(options),
    logger,
  };
  if (options.kafka !== undefined) return kafkajsSource({ kafka: options.kafka, ...common });
  return wireSource({ brokers: options.brokers ?? [], ...common });
}

/** Creates the table's topic, or checks its policy, with the table's connection options. */
export async function ensureTableTopic<V>(
  options: KafkaTableOptions<V>,
  logger: Logger,
): Promise<void> {
  const o = options;
  await ensureTopic({
    topic: o.topic,
    ...(o.kafka ? { kafka: o.kafka } : {}),
    ...(o.brokers ? { brokers: o.brokers } : {}),
    ...security(o),
    ...(o.numPartitions ? { numPartitions: o.numPartitions } : {}),
    ...(o.topicConfigs ? { topicConfigs: o.topicConfigs } : {}),
    ...(o.onPolicyMismatch ? { onPolicyMismatch: o.onPolicyMismatch } : {}),
    logger,
  });
}
