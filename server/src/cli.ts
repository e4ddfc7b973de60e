#!/usr/bin/env node
/**
 * `tablecast serve --config tablecast.json`: runs a bridge. Environment: PORT, HOST, and the
 * Kafka connection (KAFKA_BROKERS, KAFKA_SSL*, KAFKA_SASL_*; see bridge/kafka-config.ts), which
 * override the config file.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { kafkaSection, parseBridgeConfig, tablesFromConfig } from './bridge/bridge-config.js';
import { createBridge } from './bridge/create-bridge.js';
import { kafkaConnectionOptions } from './bridge/kafka-config.js';

const USAGE = 'usage: tablecast serve --config <file.json> [--port N] [--host H]';

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'serve' || values.config === undefined) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const config = parseBridgeConfig(
    JSON.parse(await readFile(values.config, 'utf8')),
    values.config,
  );
  const connection = await kafkaConnectionOptions(
    kafkaSection(config),
    process.env,
    dirname(values.config),
  );
  const tables = tablesFromConfig(config, connection);
  const bridge = createBridge({
    tables,
    ...(config.allowedOrigins ? { allowedOrigins: config.allowedOrigins } : {}),
  });
  const port = Number(values.port ?? process.env.PORT ?? config.port ?? 8080);
  const host = values.host ?? process.env.HOST ?? config.host ?? '127.0.0.1';
  const address = await bridge.listen({ port, host });
  console.log(
    `tablecast bridge listening on ${address.url} (tables: ${Object.keys(tables).join(', ')})`,
  );
  const stop = async () => {
    await bridge.close();
    await Promise.allSettled(Object.values(tables).map((t) => t.stop()));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
