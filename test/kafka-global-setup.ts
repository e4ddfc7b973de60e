import type { TestProject } from 'vitest/node';
import { startKafka } from '../scripts/kafka/broker.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    project.provide('kafkaBrokers', external);
    return async () => {};
  }
  const broker = await startKafka(
    process.env.TABLECAST_KAFKA_DEBUG ? { log: (line) => console.error(`[kafka] ${line}`) } : {},
  );
  project.provide('kafkaBrokers', broker.brokers);
  return () => broker.stop();
}
