#!/usr/bin/env node
/**
 * `tablecast serve --config tablecast.json`: runs a bridge. Environment: PORT, HOST, and the
 * Kafka connection (KAFKA_BROKERS, KAFKA_SSL*, KAFKA_SASL_*; see bridge/kafka-config.ts), which
 * override the config file. `--help` describes the config file.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  bridgeLimitsFromConfig,
  kafkaSection,
  parseBridgeConfig,
  tablesFromConfig,
  writersFromConfig,
} from './bridge/bridge-config.js';
import { createBridge } from './bridge/create-bridge.js';
import { kafkaConnectionOptions } from './bridge/kafka-config.js';
import { serveCluster } from './bridge/serve-cluster.js';
import { cliHelp, USAGE } from './cli-help.js';
import { packageVersion } from './package-version.js';

/** A mistake on the command line: reported with the usage, exit code 2. */
class UsageError extends Error {}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string' },
        host: { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    // node:util's messages ("Unknown option '--x'...") are clear; its stack trace is not.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseCommandLine(argv);
  if (values.help) return void console.log(cliHelp());
  if (values.version) return void console.log(packageVersion());
  if (positionals[0] !== 'serve') {
    throw new UsageError(
      positionals[0] === undefined ? 'No command.' : `Unknown command "${positionals[0]}".`,
    );
  }
  if (values.config === undefined) throw new UsageError('serve needs --config <file.json>.');
  const port = Number(values.port ?? process.env.PORT ?? Number.NaN);
  if (!Number.isNaN(port) && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new UsageError(
      `The port must be a number from 0 to 65535, got "${values.port ?? process.env.PORT}".`,
    );
  }
  const workers = parseWorkers(values.workers ?? process.env.TABLECAST_WORKERS);
  const configPath = values.config;
  const serve = () => serveOne(configPath, values.host, port);
  if (workers > 1) await serveCluster({ workers }, serve);
  else await serve();
}

/** `auto` is one bridge process per core; a number is that many; absent is one. */
function parseWorkers(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(
      `--workers must be a whole number from 1 to 256 or "auto", got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}

async function serveOne(
  configPath: string,
  hostOption: string | undefined,
  port: number,
): Promise<void> {
  const config = parseBridgeConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
  const connection = await kafkaConnectionOptions(
    kafkaSection(config),
    process.env,
    dirname(configPath),
  );
  const tables = tablesFromConfig(config, connection);
  const writers = writersFromConfig(config, connection);
  const bridge = createBridge({
    tables,
    writers,
    ...(config.allowedOrigins ? { allowedOrigins: config.allowedOrigins } : {}),
    ...bridgeLimitsFromConfig(config, process.env),
  });
  const host = hostOption ?? process.env.HOST ?? config.host ?? '127.0.0.1';
  const address = await bridge.listen({
    port: Number.isNaN(port) ? (config.port ?? 8080) : port,
    host,
  });
  console.log(
    `tablecast bridge listening on ${address.url} (tables: ${Object.keys(tables).join(', ')}; pid ${process.pid})`,
  );
  const stop = async () => {
    await bridge.close();
    await Promise.allSettled([
      ...Object.values(tables).map((t) => t.stop()),
      ...Object.values(writers).map((w) => w.stop()),
    ]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`tablecast: ${error.message}\n${USAGE}\n(tablecast --help says more)`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
