import type { TestProject } from 'vitest/node';
import { type KafkaBroker, startKafka } from '../scripts/kafka/broker.js';

// Every project that lists this setup (kafka, e2e) runs it, each through its own module loader;
// the broker is kept on globalThis, counted, so one run starts one broker and the last teardown
// stops it.
interface Shared {
  broker: Promise<KafkaBroker>;
  users: number;
}
const KEY = Symbol.for('tablecast.test.kafkaBroker');
const holder = globalThis as { [KEY]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    project.provide('kafkaBrokers', external);
    return async () => {};
  }
  let shared = holder[KEY];
  if (!shared) {
    shared = {
      broker: startKafka(
        process.env.TABLECAST_KAFKA_DEBUG
          ? { log: (line) => console.error(`[kafka] ${line}`) }
          : {},
      ),
      users: 0,
    };
    holder[KEY] = shared;
  }
  shared.users++;
  const current = shared;
  let broker: KafkaBroker;
  try {
    broker = await current.broker;
  } catch (error) {
    if (--current.users === 0 && holder[KEY] === current) delete holder[KEY];
    throw error;
  }
  project.provide('kafkaBrokers', broker.brokers);
  return async () => {
    if (--current.users > 0) return;
    if (holder[KEY] === current) delete holder[KEY];
    await broker.stop();
  };
}
