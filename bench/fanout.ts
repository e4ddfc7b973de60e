/**
 * Fan-out benchmark: how many subscribed clients one bridge process serves with 1k updates/s
 * flowing, next to a bare `ws` broadcast of the same bytes to the same number of sockets.
 *
 *   npm run bench fanout                                              # 1k, 2k, 5k, 10k clients
 *   npm run bench fanout -- --clients 200,500 --window-ms 3000        # smoke run
 *
 * Processes: the broker; the writer (this process, paced, a kafkajs producer sending what is due
 * every few milliseconds as one request, so the load source costs little CPU); the bridge
 * (bench/bridge-host.ts); two client processes (bench/load-clients.ts, N/2 raw ws sockets each,
 * speaking the protocol: subscribe, wait for snapshot-end, count deltas); and, for the ceiling,
 * bench/fanout-bare-server.ts relaying the bridge's delta frames to its own N sockets.
 *
 * Per step and server: connect and subscribe N sockets, measure memory (after GC) per
 * connection, then count the changes, frames and bytes every socket receives over a window.
 * A step that does not get every socket live, delivers under half of what was written, or
 * passes --max-rss-mb ends the ladder.
 *
 * Options (or BENCH_<NAME> env): --clients 1000,2000,5000,10000 --rate --window-ms --keys
 * --value-bytes --partitions --client-processes --connect-timeout-ms --max-rss-mb
 * --timeout-ms --broker-heap-mb --topic --keep-topic --out --load-client go|node
 * --bridge-cpu-prof DIR (a V8 CPU profile of the bridge, written when it exits)
 */
import { execSync } from 'node:child_process';
import * as path from 'node:path';
import { type FanoutSettings, type Measure, measureFanout } from './fanout-measure.js';
import { fanoutReport } from './fanout-report.js';
import { PacedWriter } from './fanout-writer.js';
import { Options } from './lib/args.js';
import {
  acquireBroker,
  createCompactedTopic,
  deleteTopic,
  kafkaClient,
  withAdmin,
} from './lib/kafka.js';
import { Cleanups, sleep } from './lib/lifecycle.js';
import { parseLoadClientKind } from './lib/load-client.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
import { fmtBytes, fmtNumber, fmtRatio } from './lib/stats.js';
import { startWorker, type WorkerMessage } from './lib/worker.js';

const opts = new Options();
const clientSteps = opts.list('clients', ['1000', '2000', '5000', '10000']).map((s) => {
  const n = Number(s.replace(/k$/i, '000'));
  if (!Number.isSafeInteger(n) || n < 1 || n > 30_000) throw new Error(`--clients: bad count ${s}`);
  return n;
});
const rate = opts.int('rate', 1_000, 1);
const windowMs = opts.int('window-ms', 10_000, 1_000);
const keys = opts.int('keys', 1_000, 1);
const valueBytes = opts.int('value-bytes', 100, 32);
const partitions = opts.int('partitions', 4, 1);
const clientProcesses = opts.int('client-processes', 2, 1);
// Bounded so a step (bridge, then bare server) stays within ~3 minutes.
const connectTimeoutMs = opts.int('connect-timeout-ms', 60_000, 1_000);
const maxRssMb = opts.int('max-rss-mb', 6_144, 64);
const timeoutMs = opts.int('timeout-ms', 60_000, 10_000);
const brokerHeapMb = opts.int('broker-heap-mb', 1024, 256);
const topic = opts.string('topic', `tablecast-bench-fanout-${Date.now()}`);
const keepTopic = opts.bool('keep-topic');
const outFile = opts.string('out', 'fanout.json');
const loadClient = parseLoadClientKind(opts.string('load-client', 'go'));
// A directory for a V8 CPU profile of the bridge process (node --cpu-prof), written at its exit.
const bridgeCpuProf = opts.string('bridge-cpu-prof', '');
opts.assertNoUnknown();

const TABLE = 'bench';
const AIM = { clients: 10_000, vsBare: 0.7 } as const;
const log = (message: string): void => {
  process.stderr.write(`[bench:fanout] ${message}\n`);
};
const cleanups = new Cleanups(log);

let writer: PacedWriter | undefined;
const settings: FanoutSettings = {
  table: TABLE,
  clientProcesses,
  loadClient,
  connectTimeoutMs,
  windowMs,
  timeoutMs,
  maxRssMb,
  log,
  acked: () => writer?.acked ?? 0,
};

function fdLimit(): string {
  try {
    return execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim();
  } catch {
    return '?';
  }
}

async function main(): Promise<number> {
  const limit = fdLimit();
  const biggest = Math.max(...clientSteps);
  log(
    `open-file limit (ulimit -n) ${limit}; largest step ${biggest} sockets in the server process`,
  );
  if (limit !== 'unlimited' && Number(limit) < biggest + 1_000) {
    throw new Error(
      `ulimit -n is ${limit}, below ${biggest + 1_000}: run under \`bash -c 'ulimit -n 65536 && npm run bench fanout'\` or lower --clients`,
    );
  }
  const broker = await acquireBroker({ heapMb: brokerHeapMb, log: (l) => log(`kafka: ${l}`) });
  if (broker.owned) cleanups.add('stop broker', () => broker.stop());
  const brokers = broker.brokers;
  log(`Kafka at ${brokers}${broker.owned ? '' : ' (external)'}`);
  await withAdmin(brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  if (!keepTopic) {
    cleanups.add('delete topic', () => withAdmin(brokers, (admin) => deleteTopic(admin, topic)));
  }

  const bridge = startWorker(
    path.join(repoRoot, 'bench', 'bridge-host.ts'),
    // The default cap is 10,000 sockets; the 10,000-client step also has the bench's own sockets.
    [
      '--brokers',
      brokers,
      '--topic',
      topic,
      '--table',
      TABLE,
      '--max-connections',
      String(Math.max(...clientSteps) + 1_000),
    ],
    {
      timeoutMs: 60 * 60_000,
      nodeFlags: [
        '--expose-gc',
        '--max-old-space-size=8192',
        ...(bridgeCpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(bridgeCpuProf)}`] : []),
      ],
      label: '[bridge] ',
    },
  );
  cleanups.add('stop bridge', () => bridge.stop());
  const ready = await bridge.next<WorkerMessage & { url: string }>('ready', timeoutMs);
  log(`bridge at ${ready.url}`);

  const producer = kafkaClient(brokers, 'tablecast-bench-fanout-writer').producer();
  await producer.connect();
  cleanups.add('stop writer', () => producer.disconnect());
  // Bounded: the whole ladder, generously, at the paced rate.
  const maxSeconds =
    (clientSteps.length * 2 * (connectTimeoutMs + windowMs + 4 * timeoutMs)) / 1000;
  const paced = new PacedWriter(producer, {
    topic,
    rate,
    keys,
    valueBytes,
    aborting: () => cleanups.aborting,
  });
  writer = paced;
  const writerDone = paced.run(maxSeconds);
  cleanups.add('stop writing', async () => {
    paced.stop();
    await writerDone;
  });
  const fillDeadline = Date.now() + timeoutMs;
  while (paced.acked < keys && Date.now() < fillDeadline) await sleep(100);
  log(`writer running at ${rate}/s over ${keys} keys (${paced.acked} acked so far)`);

  const measures: Measure[] = [];
  for (const clients of clientSteps) {
    if (cleanups.aborting) throw new Error('interrupted');
    log(`step: ${clients} clients`);
    const tc = await measureFanout('tablecast', bridge, ready.url, clients, settings);
    measures.push(tc);
    log(
      `  tablecast: ${fmtNumber(tc.changesPerSecond)} changes/s (${(tc.deliveredShare * 100).toFixed(0)}% of written × clients), ` +
        `${fmtBytes(tc.rssPerConnection)} RSS/conn${tc.reason ? ` — ${tc.reason}` : ''}`,
    );
    const bare = startWorker(
      path.join(repoRoot, 'bench', 'fanout-bare-server.ts'),
      ['--upstream', ready.url, '--table', TABLE],
      {
        timeoutMs: connectTimeoutMs + windowMs + 6 * timeoutMs,
        nodeFlags: ['--expose-gc', '--max-old-space-size=8192'],
        label: '[bare] ',
      },
    );
    try {
      const bareReady = await bare.next<WorkerMessage & { url: string }>('ready', timeoutMs);
      const b = await measureFanout('bare', bare, bareReady.url, clients, settings);
      measures.push(b);
      log(
        `  bare ws:   ${fmtNumber(b.changesPerSecond)} changes/s (${(b.deliveredShare * 100).toFixed(0)}%), ` +
          `${fmtBytes(b.rssPerConnection)} RSS/conn; tablecast/bare ${fmtRatio(tc.changesPerSecond / b.changesPerSecond)}`,
      );
    } finally {
      await bare.stop(5_000);
    }
    if (tc.stalled) {
      log(`  stopping the ladder: ${tc.reason}`);
      break;
    }
  }
  paced.stop();
  await writerDone;
  await bridge.stop();

  process.stdout.write(
    `${fanoutReport(measures, {
      clientSteps,
      rate,
      keys,
      valueBytes,
      partitions,
      windowMs,
      clientProcesses,
      brokers,
      loadClient,
      aim: AIM,
    })}\n`,
  );

  const file = await writeResult(outFile, {
    benchmark: 'fanout',
    machine: machineFacts(),
    kafka: { brokers, startedByBench: broker.owned, version: broker.version ?? null },
    parameters: {
      clients: clientSteps,
      rate,
      windowMs,
      keys,
      valueBytes,
      partitions,
      clientProcesses,
      connectTimeoutMs,
      maxRssMb,
      topic,
      fdLimit: limit,
    },
    writer: { written: paced.written, acked: paced.acked, writeErrors: paced.writeErrors },
    aim: AIM,
    measures,
  });
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return measures.every((m) => m.ok) ? 0 : 1;
}

await cleanups.exitAfter(main);
