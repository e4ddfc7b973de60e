/**
 * The demo: a local Kafka broker (unless KAFKA_BROKERS points at one), two compacted topics — a
 * handful of feature flags and a registry of twenty services — a bridge, and a dashboard in the
 * browser that shows both live. A background writer keeps the registry moving for an hour.
 * Ctrl-C stops the writer, the bridge, the tables and the broker.
 */
import { buildDashboard } from '../demo/server/build.js';
import { type DemoServer, startDemoServer } from '../demo/server/demo-server.js';
import { type KafkaBroker, startKafka } from './kafka/broker.js';

// PORT, when set, must be free; the default falls back to any free port.
const port = Number(process.env.PORT ?? 5173);
const external = process.env.KAFKA_BROKERS?.trim();
const host = process.env.HOST ?? '127.0.0.1';

let broker: KafkaBroker | undefined;
let demo: DemoServer | undefined;
let stopping = false;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping the writer, the bridge, the tables and the broker...');
  await demo?.close().catch((error: unknown) => console.error(error));
  await broker?.stop().catch((error: unknown) => console.error(error));
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  console.log(
    external
      ? `Using Kafka at ${external}; building the dashboard...`
      : 'Starting a local Kafka broker (the first run downloads it from Maven Central) and building the dashboard...',
  );
  // The broker and the Vite build take a few seconds each: side by side.
  const [started, assetsDir] = await Promise.all([
    external ? Promise.resolve(undefined) : startKafka(),
    buildDashboard(),
  ]);
  broker = started;
  if (stopping) process.exit(0);
  const brokers = (external ?? broker!.brokers).split(',').map((b) => b.trim());
  console.log(`Kafka at ${brokers.join(',')}`);
  demo = await startDemoServer({
    brokers,
    port,
    host,
    assetsDir,
    anyPortIfBusy: process.env.PORT === undefined,
  });
  console.log(`
  tablecast demo: ${demo.url}

  topics   ${demo.flagsTopic} (flags), ${demo.servicesTopic} (service registry)
  bridge   ${demo.url.replace(/^http/, 'ws')}ws  ·  ${demo.url}tables/services  ·  ${demo.url}metrics
  writer   a few registry updates a second, for an hour

Ctrl-C to stop.`);
  const writer = demo.registryWriter;
  if (writer) {
    void writer.done.then(() => {
      if (!stopping) console.log(`The registry writer finished after ${writer.updates} updates.`);
    });
  }
} catch (error) {
  console.error(error);
  await shutdown(1);
}
