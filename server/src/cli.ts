#!/usr/bin/env node
/**
 * `tablecast serve --config tablecast.json`: runs a bridge. Environment: KAFKA_BROKERS
 * (comma-separated, overrides the config), PORT and HOST.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parseBridgeConfig, tablesFromConfig } from './bridge/bridge-config.js';
import { createBridge } from './bridge/create-bridge.js';
import { serveCluster } from './bridge/serve-cluster.js';

const USAGE =
  'usage: tablecast serve --config <file.json> [--port N] [--host H] [--workers N|auto]';

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string' },
      host: { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'serve' || values.config === undefined) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const workers = parseWorkers(values.workers ?? process.env.TABLECAST_WORKERS);
  if (workers > 1) {
    const configPath = values.config;
    await serveCluster({ workers }, () => serve(configPath, values));
    return;
  }
  await serve(values.config, values);
}

/** `auto` is one bridge process per core; a number is that many; absent is one. */
function parseWorkers(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new Error(
      `--workers must be a whole number from 1 to 256 or "auto", got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}

async function serve(
  configPath: string,
  values: { readonly port?: string | undefined; readonly host?: string | undefined },
): Promise<void> {
  const config = parseBridgeConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
  const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? config.brokers;
  if (!brokers || brokers.length === 0) {
    throw new Error('No Kafka brokers: set KAFKA_BROKERS or "brokers" in the config file.');
  }
  const tables = tablesFromConfig(config, brokers);
  const bridge = createBridge({
    tables,
    ...(config.allowedOrigins ? { allowedOrigins: config.allowedOrigins } : {}),
  });
  const port = Number(values.port ?? process.env.PORT ?? config.port ?? 8080);
  const host = values.host ?? process.env.HOST ?? config.host ?? '127.0.0.1';
  const address = await bridge.listen({ port, host });
  console.log(
    `tablecast bridge listening on ${address.url} (tables: ${Object.keys(tables).join(', ')}; pid ${process.pid})`,
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
