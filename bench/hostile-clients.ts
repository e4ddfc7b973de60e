/**
 * Hostile and unlucky clients against one bridge serving a 100k-key table (real Kafka):
 *
 * 1. **Stalled sockets**: N raw TCP clients do the upgrade, subscribe S times each (distinct
 *    filters that all cover the whole table) and never read. Reports the bridge's RSS growth per
 *    socket next to its per-socket budget (`slowClientBytes`).
 * 2. **Subscribe flood**: K clients measure write→delta latency at a steady write rate, once
 *    alone, once while one socket floods subscribe/unsubscribe pairs (default limits: it is cut
 *    off with 4429), and once with the rate limit lifted (only the snapshot slicing protects).
 *
 *   npm run bench hostile-clients
 *   npm run bench hostile-clients -- --keys 20k --sockets 5        # smoke run
 *
 * Options: --keys --value-bytes --partitions --sockets --subs --clients --rate --duration-ms
 * --flood-pairs --out. BENCH_CPU_PROF=<dir> writes a CPU profile of each bridge process there.
 */
import * as path from 'node:path';
import { subscribeFlood } from './hostile-flood.js';
import { type LatencyResult, latencyRun } from './hostile-latency.js';
import { hostileReport } from './hostile-report.js';
import type { HostileSettings } from './hostile-settings.js';
import { type StalledResult, stalledSockets } from './hostile-stalled.js';
import { Options } from './lib/args.js';
import {
  acquireBroker,
  createCompactedTopic,
  deleteTopic,
  populateTopic,
  withAdmin,
} from './lib/kafka.js';
import { Cleanups } from './lib/lifecycle.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
import { fmtNumber } from './lib/stats.js';
import { startWorker, type Worker, type WorkerMessage } from './lib/worker.js';

const opts = new Options();
const keys = opts.int('keys', 100_000, 1);
const valueBytes = opts.int('value-bytes', 200, 16);
const partitions = opts.int('partitions', 4, 1);
const sockets = opts.int('sockets', 20, 1);
const subsPerSocket = opts.int('subs', 20, 1);
const clients = opts.int('clients', 5, 1);
const rate = opts.int('rate', 200, 1);
const durationMs = opts.int('duration-ms', 8_000, 1_000);
const floodPairs = opts.int('flood-pairs', 5_000, 1);
const budget = opts.int('slow-client-bytes', 4 * 1024 * 1024, 1);
const outFile = opts.string('out', 'hostile-clients.json');
opts.assertNoUnknown();

const TABLE = 'bench';
const log = (m: string) => process.stderr.write(`[bench:hostile-clients] ${m}\n`);
const cleanups = new Cleanups(log);
const settings: HostileSettings = {
  keys,
  valueBytes,
  sockets,
  subsPerSocket,
  clients,
  rate,
  durationMs,
  floodPairs,
  budget,
  table: TABLE,
  cleanups,
};

function startBridge(brokers: string, topic: string, extra: string[]): Worker {
  const worker = startWorker(
    path.join(repoRoot, 'bench', 'bridge-host.ts'),
    [
      '--brokers',
      brokers,
      '--topic',
      topic,
      '--table',
      TABLE,
      '--slow-client-bytes',
      String(budget),
      '--slow-client-timeout-ms',
      '600000',
      '--heartbeat-ms',
      '600000',
      ...extra,
    ],
    {
      timeoutMs: 900_000,
      nodeFlags: [
        '--expose-gc',
        ...(process.env.BENCH_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
          : []),
      ],
      label: '[bridge] ',
    },
  );
  cleanups.add('stop bridge', () => worker.stop());
  return worker;
}

async function main(): Promise<number> {
  const broker = await acquireBroker({ log: (l) => log(`kafka: ${l}`) });
  if (broker.owned) cleanups.add('stop broker', () => broker.stop());
  const brokers = broker.brokers;
  const topic = `tablecast-bench-hostile-${Date.now()}`;
  await withAdmin(brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  cleanups.add('delete topic', () => withAdmin(brokers, (admin) => deleteTopic(admin, topic)));
  log(`filling ${topic}: ${fmtNumber(keys)} keys × ~${valueBytes} B`);
  await populateTopic(
    brokers,
    topic,
    { records: keys, keys, valueBytes, seed: 42 },
    'kafkajs',
    600_000,
  );

  const runs: Record<string, unknown> = {};
  const latency: Array<[string, LatencyResult]> = [];
  for (const [name, extra, flood] of [
    ['alone', [], false],
    ['flood (default limits)', [], true],
    ['flood (rate limit lifted)', ['--control-rate', '1000000'], true],
  ] as const) {
    const bridge = startBridge(brokers, topic, [...extra]);
    const { url } = await bridge.next<WorkerMessage & { url: string }>('ready', 600_000);
    log(`latency: ${name}`);
    const run = await latencyRun(
      bridge,
      url,
      brokers,
      topic,
      flood ? await subscribeFlood(url, settings) : undefined,
      settings,
    );
    runs[name] = run;
    latency.push([name, run]);
    if (name === 'alone') {
      log(`stalled sockets: ${sockets} × ${subsPerSocket} subscriptions`);
      runs.stalled = await stalledSockets(url, bridge, settings);
    }
    await bridge.stop();
  }
  const stalled = runs.stalled as StalledResult;
  process.stdout.write(hostileReport(stalled, latency, brokers, settings));
  const file = await writeResult(outFile, {
    machine: machineFacts(),
    keys,
    valueBytes,
    partitions,
    clients,
    rate,
    durationMs,
    floodPairs,
    runs,
  });
  log(`wrote ${file}`);
  return 0;
}

main().then(
  async (code) => {
    await cleanups.run();
    process.exit(code);
  },
  async (error: unknown) => {
    log(`failed: ${String(error)}`);
    await cleanups.run();
    process.exit(1);
  },
);
