/**
 * The demo: starts a local Kafka broker (unless KAFKA_BROKERS points at one), materializes a
 * feature-flag topic into a KafkaTable and prints every change while a writer flips flags.
 * Ctrl-C stops everything.
 */
import { codecs, KafkaTable, KafkaTableWriter } from '../server/src/index.js';
import { type KafkaBroker, startKafka } from './kafka/broker.js';

const TOPIC = 'demo-flags';
const FLAGS = ['new-checkout', 'dark-mode', 'search-v2', 'beta-banner'];
// A demo, not a load test: one write a second, and it ends by itself after an hour.
const MAX_WRITES = 3_600;

let broker: KafkaBroker | undefined;
const external = process.env.KAFKA_BROKERS?.trim();
if (!external) {
  console.log('Starting a local Kafka broker (the first run downloads it from Maven Central)...');
  broker = await startKafka();
}
const brokers = (external ?? broker!.brokers).split(',');
console.log(`Kafka at ${brokers.join(',')}`);

const writer = new KafkaTableWriter({ brokers, topic: TOPIC, valueCodec: codecs.json<boolean>() });
const table = new KafkaTable({
  brokers,
  topic: TOPIC,
  valueCodec: codecs.json<boolean>(),
  numPartitions: 3,
});
let timer: ReturnType<typeof setInterval> | undefined;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await Promise.allSettled([writer.stop(), table.stop()]);
  await broker?.stop();
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  table.onStatus((status) => console.log(`status: ${status}`));
  await table.start();
  await writer.start();
  if (table.size === 0) {
    for (const flag of FLAGS) await writer.set(flag, false);
  }
  await table.barrier(10_000);
  console.log('flags:', Object.fromEntries(table.snapshot()));
  table.onChanges((changes) => {
    for (const c of changes) {
      const what = c.deleted ? 'deleted' : JSON.stringify(c.value);
      console.log(`  ${c.key} = ${what}  (partition ${c.partition}, offset ${c.offset})`);
    }
  });
  console.log('Flipping a flag every second; Ctrl-C to stop.');
  let writes = 0;
  timer = setInterval(() => {
    if (++writes > MAX_WRITES) return void shutdown(0);
    const flag = FLAGS[writes % FLAGS.length]!;
    void writer.set(flag, !table.get(flag)).catch((error: unknown) => console.error(error));
  }, 1_000);
} catch (error) {
  console.error(error);
  await shutdown(1);
}
