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
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { codecs, KafkaTableWriter } from '../server/src/index.js';
import { Options } from './lib/args.js';
import { keyName, keyWidth } from './lib/data.js';
import {
  acquireBroker,
  createCompactedTopic,
  deleteTopic,
  populateTopic,
  withAdmin,
} from './lib/kafka.js';
import { Cleanups, sleep } from './lib/lifecycle.js';
import { lastJsonLine } from './lib/proc.js';
import { rawUpgrade, textFrame } from './lib/raw-ws.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
import { distribution, fmtBytes, fmtNumber } from './lib/stats.js';
import { renderTable } from './lib/table.js';
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
type Stats = WorkerMessage & {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuShare: number;
  rss: number;
  bytesSent: number;
  connections: number;
  rateLimited: number;
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

/** Filters that each cover the whole table, all different: the worst a client can ask for. */
function wholeTableFilters(count: number): Array<Record<string, unknown> | undefined> {
  const key = keyName(0, keyWidth(keys));
  const prefixes = Array.from({ length: key.length - 1 }, (_, i) => key.slice(0, i + 1)).filter(
    (p) => p.length <= 5,
  ); // 'k' … 'key-0': every key starts with them
  const all = Array.from({ length: keys }, (_, i) => keyName(i, keyWidth(keys)));
  const filters: Array<Record<string, unknown> | undefined> = [
    undefined,
    ...prefixes.map((prefix) => ({ prefix })),
  ];
  // Then key lists of 2,000 keys (a ~30 KB frame, under the 64 KiB inbound limit), each a
  // different slice of the table.
  for (let i = 0; filters.length < count; i++) {
    const from = (i * 2_000) % keys;
    filters.push({ keys: all.slice(from, from + 2_000) });
  }
  return filters.slice(0, count);
}

/** What the subscriptions would cost if every snapshot were written at once. */
function unboundedBytes(filters: ReadonlyArray<Record<string, unknown> | undefined>): number {
  const perKey = valueBytes + 30;
  return filters.reduce<number>((sum, f) => sum + (f && 'keys' in f ? 2_000 : keys) * perKey, 0);
}

async function stalledSockets(url: string, bridge: Worker) {
  const base = await bridge.request<Stats>({ type: 'stats', gc: true }, 'stats', 30_000);
  const filters = wholeTableFilters(subsPerSocket);
  const held = [];
  for (let s = 0; s < sockets; s++) {
    const socket = await rawUpgrade(url);
    cleanups.add('close stalled socket', async () => {
      socket.destroy();
    });
    for (const [i, filter] of filters.entries()) {
      const message = {
        type: 'subscribe',
        sub: `s${i}`,
        table: TABLE,
        ...(filter ? { filter } : {}),
      };
      socket.write(textFrame(JSON.stringify(message)));
    }
    held.push(socket);
  }
  // Until the bridge stops writing: every socket has filled its budget and waits.
  let last = -1;
  let stats = base;
  for (let i = 0; i < 60; i++) {
    await sleep(1_000);
    stats = await bridge.request<Stats>({ type: 'stats', gc: true }, 'stats', 30_000);
    if (stats.bytesSent === last) break;
    last = stats.bytesSent;
  }
  for (const socket of held) socket.destroy();
  const growth = stats.rss - base.rss;
  return {
    sockets,
    subsPerSocket,
    budgetBytes: budget,
    rssBeforeBytes: base.rss,
    rssAfterBytes: stats.rss,
    rssGrowthBytes: growth,
    rssGrowthPerSocketBytes: growth / sockets,
    bytesSentPerSocket: (stats.bytesSent - base.bytesSent) / sockets,
    unboundedBytesPerSocket: unboundedBytes(filters),
  };
}

/** K clients' write→delta latency while `flood` runs; values carry the write time. */
async function latencyRun(
  bridge: Worker,
  url: string,
  brokers: string,
  topic: string,
  flood: (() => Promise<number>) | undefined,
) {
  const latencies: number[] = [];
  let measureFrom = Number.POSITIVE_INFINITY;
  const sockets = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, ['tablecast.v1']);
          ws.on('message', (data) => {
            const m = JSON.parse(String(data)) as {
              type: string;
              sets?: Array<[string, [{ t?: number }]]>;
            };
            if (m.type === 'snapshot-end') resolve(ws);
            if (m.type !== 'delta') return;
            const now = performance.now();
            for (const [, [value]] of m.sets ?? [])
              if (typeof value.t === 'number' && value.t >= measureFrom)
                latencies.push(now - value.t);
          });
          ws.on('open', () =>
            ws.send(
              JSON.stringify({
                type: 'subscribe',
                sub: 's',
                table: TABLE,
                filter: { prefix: 'lat-' },
              }),
            ),
          );
          ws.on('error', reject);
        }),
    ),
  );
  const writer = new KafkaTableWriter<{ t: number }>({
    brokers: brokers.split(','),
    topic,
    valueCodec: codecs.json(),
  });
  await writer.start();
  await bridge.request<Stats>({ type: 'stats' }, 'stats', 30_000); // resets the loop-delay histogram
  const flooding = (async () => {
    await sleep(1_000);
    return flood?.();
  })();
  // The first second warms the writer and the clients up (JIT, connections): not measured.
  const warmupMs = 1_000;
  const start = performance.now();
  setTimeout(() => {
    measureFrom = performance.now();
  }, warmupMs);
  for (let i = 0; performance.now() - start < durationMs + warmupMs; i++) {
    void writer.set(`lat-${i % 100}`, { t: performance.now() });
    const due = start + ((i + 1) * 1000) / rate;
    await sleep(Math.max(0, due - performance.now()));
  }
  await sleep(1_000);
  const floodSent = (await flooding) ?? 0;
  const loop = await bridge.request<Stats>({ type: 'stats' }, 'stats', 30_000);
  await writer.stop();
  for (const ws of sockets) ws.close();
  return {
    ...distribution(latencies),
    count: latencies.length,
    floodMessagesSent: floodSent,
    bridgeLoopDelayP99Ms: loop.loopDelayP99Ms,
    bridgeLoopDelayMaxMs: loop.loopDelayMaxMs,
    bridgeCpuShare: loop.cpuShare,
  };
}

/**
 * One socket floods subscribe/unsubscribe pairs, from its own process (bench/subscribe-flood.ts),
 * started and connected before the measurement; the returned function sets it off.
 */
async function subscribeFlood(url: string): Promise<() => Promise<number>> {
  const script = path.join(repoRoot, 'bench', 'subscribe-flood.ts');
  const args = ['--import', 'tsx', script, '--url', url, '--table', TABLE];
  args.push('--pairs', String(floodPairs), '--hold-ms', String(durationMs / 2));
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  cleanups.add('stop flood', async () => {
    child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => out.includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`flood exited with ${code}`)));
  });
  return async () => {
    child.stdin.write('go\n');
    await new Promise((resolve) => child.once('exit', resolve));
    return Number(lastJsonLine(out)?.sent ?? Number.NaN);
  };
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
  for (const [name, extra, flood] of [
    ['alone', [], false],
    ['flood (default limits)', [], true],
    ['flood (rate limit lifted)', ['--control-rate', '1000000'], true],
  ] as const) {
    const bridge = startBridge(brokers, topic, [...extra]);
    const { url } = await bridge.next<WorkerMessage & { url: string }>('ready', 600_000);
    log(`latency: ${name}`);
    runs[name] = await latencyRun(
      bridge,
      url,
      brokers,
      topic,
      flood ? await subscribeFlood(url) : undefined,
    );
    if (name === 'alone') {
      log(`stalled sockets: ${sockets} × ${subsPerSocket} subscriptions`);
      runs.stalled = await stalledSockets(url, bridge);
    }
    await bridge.stop();
  }
  const stalled = runs.stalled as Awaited<ReturnType<typeof stalledSockets>>;
  type Lat = Awaited<ReturnType<typeof latencyRun>>;
  const alone = runs.alone as Lat;
  const out = [
    '',
    `hostile clients: ${fmtNumber(keys)}-key table (~${valueBytes} B values), Kafka at ${brokers}`,
    '',
  ];
  out.push(
    renderTable(
      [
        { header: 'stalled sockets', align: 'left' },
        { header: 'subs each' },
        { header: 'RSS growth/socket' },
        { header: 'budget/socket' },
        { header: 'bytes written/socket' },
        { header: 'unbounded would be' },
      ],
      [
        [
          String(stalled.sockets),
          String(stalled.subsPerSocket),
          fmtBytes(stalled.rssGrowthPerSocketBytes),
          fmtBytes(stalled.budgetBytes),
          fmtBytes(stalled.bytesSentPerSocket),
          fmtBytes(stalled.unboundedBytesPerSocket),
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    renderTable(
      [
        { header: 'delta latency', align: 'left' },
        { header: 'deltas' },
        { header: 'p50 ms' },
        { header: 'p99 ms' },
        { header: 'max ms' },
        { header: 'p99 / alone' },
        { header: 'bridge loop delay p99/max ms' },
        { header: 'bridge CPU' },
        { header: 'flood msgs sent' },
      ],
      Object.entries(runs)
        .filter(([k]) => k !== 'stalled')
        .map(([k, v]) => {
          const l = v as Lat;
          return [
            k,
            fmtNumber(l.count),
            fmtNumber(l.p50, 1),
            fmtNumber(l.p99, 1),
            fmtNumber(l.max, 1),
            fmtNumber(l.p99 / alone.p99, 2),
            `${fmtNumber(l.bridgeLoopDelayP99Ms, 1)} / ${fmtNumber(l.bridgeLoopDelayMaxMs, 1)}`,
            `${fmtNumber(l.bridgeCpuShare * 100)}%`,
            fmtNumber(l.floodMessagesSent),
          ];
        }),
    ),
  );
  out.push(
    '',
    `${clients} clients, ${rate} writes/s for ${durationMs} ms; latency = writer set() call → delta parsed, one process, same clock.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
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
