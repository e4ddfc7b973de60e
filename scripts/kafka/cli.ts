import { parseArgs } from 'node:util';
import { startKafka } from './broker.js';

const USAGE = 'usage: npm run kafka -- [--port N] [--data-dir DIR] [--verbose]';

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`invalid --port ${JSON.stringify(value)}\n${USAGE}`);
  }
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.error(USAGE);
    return;
  }
  const port = parsePort(values.port);
  const dataDir = values['data-dir'];

  // Signals that arrive while the JVM is still booting must still end in a clean stop,
  // so the handlers are installed before startKafka and wait for it.
  let stopping: Promise<void> | undefined;
  let brokerPromise: Promise<Awaited<ReturnType<typeof startKafka>>> | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    console.error(`kafka: ${signal}, stopping broker`);
    stopping = (async () => {
      const broker = await brokerPromise?.catch(() => undefined);
      await broker?.stop();
    })();
    stopping.then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  brokerPromise = startKafka({
    ...(port === undefined ? {} : { port }),
    ...(dataDir === undefined ? {} : { dataDir }),
    log: values.verbose ? (line) => console.error(`kafka: ${line}`) : () => {},
  });
  const broker = await brokerPromise;
  if (stopping) return;
  process.stdout.write(`KAFKA_BROKERS=${broker.brokers}\n`);
  console.error(`kafka: data in ${broker.dataDir}; Ctrl-C to stop`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
