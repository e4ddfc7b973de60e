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
import { performance } from 'node:perf_hooks';
import type { Producer } from 'kafkajs';
import { Options } from './lib/args.js';
import {
  acquireBroker,
  createCompactedTopic,
  deleteTopic,
  kafkaClient,
  withAdmin,
} from './lib/kafka.js';
import { Cleanups, sleep } from './lib/lifecycle.js';
import { parseLoadClientKind, startLoadClient } from './lib/load-client.js';
import { machineCpu } from './lib/machine-cpu.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
import { fmtBytes, fmtNumber, fmtRatio } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { startWorker, type Worker, type WorkerMessage } from './lib/worker.js';

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
const pct = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : '—');
const AIM = { clients: 10_000, vsBare: 0.7 } as const;
const log = (message: string): void => {
  process.stderr.write(`[bench:fanout] ${message}\n`);
};
const cleanups = new Cleanups(log);

type ServerStats = WorkerMessage & {
  rss: number;
  heapUsed: number;
  connections: number;
  framesSent: number;
  bytesSent: number;
  slowClientEvents: number;
  slowClientDisconnects: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuShare: number;
};
type Ready = WorkerMessage & {
  live: number;
  failed: number;
  seconds: number;
  errors: Record<string, number>;
  closeCodes?: Record<string, number>;
};
type Report = WorkerMessage & {
  frames: number;
  bytes: number;
  changes: number;
  live: number;
  closed: number;
  minChanges: number;
  maxChanges: number;
  closeCodes: Record<string, number>;
  cpuSeconds: number;
};

interface Measure {
  readonly server: 'tablecast' | 'bare';
  readonly clients: number;
  readonly ok: boolean;
  readonly stalled: boolean;
  readonly reason?: string;
  readonly live: number;
  readonly connectSeconds: number;
  readonly rssPerConnection: number;
  readonly heapPerConnection: number;
  readonly peakRss: number;
  readonly windowSeconds: number;
  readonly writtenPerSecond: number;
  readonly changesPerSecond: number;
  readonly expectedChangesPerSecond: number;
  readonly deliveredShare: number;
  readonly framesPerSecond: number;
  readonly bytesPerSecond: number;
  readonly minChangesPerSocket: number;
  readonly maxChangesPerSocket: number;
  readonly serverCpuShare: number;
  readonly serverLoopDelayP99Ms: number;
  readonly slowClientEvents: number;
  readonly clientRssBytes: number;
  /** CPU of the load-generating processes over the window (1 core = 1). */
  readonly clientsCpuShare: number;
  /** CPU of the whole machine over the window (2 cores = 2): broker, writer and the rest too. */
  readonly machineCpuShare: number;
}

// --- the writer: paced, in this process, for the whole run ---------------------------------------
let written = 0;
let acked = 0;
let writeErrors = 0;
let writing = true;
async function runWriter(producer: Producer, maxSeconds: number) {
  const pad = 'x'.repeat(Math.max(0, valueBytes - 24));
  const start = performance.now();
  const limit = Math.ceil(rate * maxSeconds);
  const inFlight = new Set<Promise<unknown>>();
  while (writing && written < limit && !cleanups.aborting) {
    const due = Math.min(limit, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    const messages: Array<{ key: string; value: string }> = [];
    while (written < due && inFlight.size < 500) {
      const seq = written++;
      messages.push({ key: `k${seq % keys}`, value: JSON.stringify({ seq, pad }) });
    }
    if (messages.length > 0) {
      const p = producer.send({ topic, acks: -1, messages }).then(
        () => {
          acked += messages.length;
        },
        () => {
          writeErrors += messages.length;
        },
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await sleep(5);
  }
  await Promise.allSettled(inFlight);
}

async function serverStats(server: Worker, gc = false): Promise<ServerStats> {
  return server.request<ServerStats>({ type: 'stats', gc }, 'stats', 30_000);
}

async function measure(
  kind: 'tablecast' | 'bare',
  server: Worker,
  url: string,
  clients: number,
): Promise<Measure> {
  const base = await serverStats(server, true);
  const procs = Math.min(clientProcesses, clients);
  const workers: Worker[] = [];
  const fail = (reason: string, extra: Partial<Measure> = {}): Measure => ({
    server: kind,
    clients,
    ok: false,
    stalled: true,
    reason,
    live: 0,
    connectSeconds: Number.NaN,
    rssPerConnection: Number.NaN,
    heapPerConnection: Number.NaN,
    peakRss: Number.NaN,
    windowSeconds: 0,
    writtenPerSecond: Number.NaN,
    changesPerSecond: Number.NaN,
    expectedChangesPerSecond: Number.NaN,
    deliveredShare: Number.NaN,
    framesPerSecond: Number.NaN,
    bytesPerSecond: Number.NaN,
    minChangesPerSocket: Number.NaN,
    maxChangesPerSocket: Number.NaN,
    serverCpuShare: Number.NaN,
    serverLoopDelayP99Ms: Number.NaN,
    slowClientEvents: 0,
    clientRssBytes: Number.NaN,
    clientsCpuShare: Number.NaN,
    machineCpuShare: Number.NaN,
    ...extra,
  });
  try {
    const t0 = performance.now();
    for (let i = 0; i < procs; i++) {
      const count = Math.floor(clients / procs) + (i < clients % procs ? 1 : 0);
      workers.push(
        startLoadClient(
          loadClient,
          [
            ...['--url', url, '--count', String(count), '--table', TABLE],
            ...['--source-addresses', '16', '--first-address', String(2 + 16 * i)],
            ...['--connect-timeout-ms', String(connectTimeoutMs)],
          ],
          { timeoutMs: connectTimeoutMs + windowMs + 5 * timeoutMs, label: `[clients ${i}] ` },
        ),
      );
    }
    const ready = await Promise.all(
      workers.map((w) => w.next<Ready>('ready', connectTimeoutMs + timeoutMs)),
    );
    const connectSeconds = (performance.now() - t0) / 1000;
    const live = ready.reduce((s, r) => s + r.live, 0);
    log(`  ${kind}: ${live}/${clients} sockets live in ${connectSeconds.toFixed(1)} s`);
    if (live < clients) {
      const errors = ready
        .map(
          (r) =>
            `errors ${JSON.stringify(r.errors)} close codes ${JSON.stringify(r.closeCodes ?? {})}`,
        )
        .join('; ');
      return fail(`only ${live}/${clients} sockets got live ${errors}`, { live, connectSeconds });
    }
    // Let the snapshot burst drain before measuring memory and rate.
    await sleep(1_000);
    const connected = await serverStats(server, true);
    const rssPerConnection = (connected.rss - base.rss) / clients;
    const heapPerConnection = (connected.heapUsed - base.heapUsed) / clients;

    const resets = await Promise.all(
      workers.map((w) => w.request<Report>({ type: 'reset' }, 'reset', 60_000)),
    );
    const machine0 = machineCpu();
    const startStats = await serverStats(server);
    const w0 = performance.now();
    const acked0 = acked;
    let peakRss = startStats.rss;
    let exploded = false;
    while (performance.now() - w0 < windowMs) {
      await sleep(Math.min(1_000, Math.max(0, windowMs - (performance.now() - w0))));
      const s = await serverStats(server);
      peakRss = Math.max(peakRss, s.rss);
      if (s.rss > maxRssMb * 1024 * 1024) {
        exploded = true;
        break;
      }
    }
    const reports = await Promise.all(
      workers.map((w) => w.request<Report>({ type: 'report' }, 'report', 60_000)),
    );
    const windowSeconds = (performance.now() - w0) / 1000;
    const machineShare = machineCpu().since(machine0);
    const end = await serverStats(server);
    const sum = (f: (r: Report) => number) => reports.reduce((s, r) => s + f(r), 0);
    const clientsCpuShare =
      (sum((r) => r.cpuSeconds) - resets.reduce((s, r) => s + r.cpuSeconds, 0)) / windowSeconds;
    const writtenPerSecond = (acked - acked0) / windowSeconds;
    const changesPerSecond = sum((r) => r.changes) / windowSeconds;
    const expected = writtenPerSecond * clients;
    const deliveredShare = changesPerSecond / expected;
    const liveAfter = sum((r) => r.live);
    const slowClientEvents = end.slowClientEvents - startStats.slowClientEvents;
    let reason: string | undefined;
    if (exploded) reason = `server RSS above ${maxRssMb} MiB`;
    else if (liveAfter < clients)
      reason = `${clients - liveAfter} sockets closed during the window`;
    else if (deliveredShare < 0.5)
      reason = `delivered only ${(deliveredShare * 100).toFixed(0)}% of the changes written`;
    return {
      server: kind,
      clients,
      ok: reason === undefined,
      stalled: reason !== undefined,
      ...(reason === undefined ? {} : { reason }),
      live: liveAfter,
      connectSeconds,
      rssPerConnection,
      heapPerConnection,
      peakRss,
      windowSeconds,
      writtenPerSecond,
      changesPerSecond,
      expectedChangesPerSecond: expected,
      deliveredShare,
      framesPerSecond: sum((r) => r.frames) / windowSeconds,
      bytesPerSecond: sum((r) => r.bytes) / windowSeconds,
      minChangesPerSocket: Math.min(...reports.map((r) => r.minChanges)),
      maxChangesPerSocket: Math.max(...reports.map((r) => r.maxChanges)),
      serverCpuShare: end.cpuShare,
      serverLoopDelayP99Ms: end.loopDelayP99Ms,
      slowClientEvents,
      clientRssBytes: sum((r) => (typeof r.rss === 'number' ? r.rss : 0)),
      clientsCpuShare,
      machineCpuShare: machineShare,
    };
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  } finally {
    await Promise.all(workers.map((w) => w.stop(5_000)));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const s = await serverStats(server).catch(() => undefined);
      if (s === undefined || s.connections === 0) break;
      await sleep(250);
    }
  }
}

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
  const writerDone = runWriter(producer, maxSeconds);
  cleanups.add('stop writing', async () => {
    writing = false;
    await writerDone;
  });
  const fillDeadline = Date.now() + timeoutMs;
  while (acked < keys && Date.now() < fillDeadline) await sleep(100);
  log(`writer running at ${rate}/s over ${keys} keys (${acked} acked so far)`);

  const measures: Measure[] = [];
  for (const clients of clientSteps) {
    if (cleanups.aborting) throw new Error('interrupted');
    log(`step: ${clients} clients`);
    const tc = await measure('tablecast', bridge, ready.url, clients);
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
      const b = await measure('bare', bare, bareReady.url, clients);
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
  writing = false;
  await writerDone;
  await bridge.stop();

  const rows = clientSteps
    .filter((n) => measures.some((m) => m.clients === n))
    .flatMap((n) => {
      const tc = measures.find((m) => m.clients === n && m.server === 'tablecast');
      const bare = measures.find((m) => m.clients === n && m.server === 'bare');
      const row = (m: Measure | undefined, ratio: string) =>
        m === undefined
          ? []
          : [
              [
                m.server === 'tablecast' ? fmtNumber(n) : '',
                m.server === 'tablecast' ? 'tablecast bridge' : 'bare ws broadcast',
                `${m.live}/${n}`,
                fmtNumber(m.changesPerSecond),
                Number.isFinite(m.deliveredShare) ? `${(m.deliveredShare * 100).toFixed(0)}%` : '—',
                fmtNumber(m.framesPerSecond),
                fmtBytes(m.bytesPerSecond),
                fmtBytes(m.rssPerConnection),
                fmtBytes(m.heapPerConnection),
                fmtBytes(m.peakRss),
                pct(m.serverCpuShare),
                pct(m.clientsCpuShare),
                pct(m.machineCpuShare),
                fmtNumber(m.serverLoopDelayP99Ms, 0),
                ratio,
                m.ok ? '✓' : `✗ ${m.reason ?? ''}`,
              ],
            ];
      return [
        ...row(tc, tc && bare ? fmtRatio(tc.changesPerSecond / bare.changesPerSecond) : '—'),
        ...row(bare, ''),
      ];
    });
  const out: string[] = [''];
  out.push(
    `fan-out: ${fmtNumber(rate)} writes/s over ${fmtNumber(keys)} keys × ~${valueBytes} B, ${partitions} partitions, ` +
      `${windowMs / 1000} s window per step; clients in ${clientProcesses} processes — Kafka at ${brokers}`,
  );
  out.push('');
  out.push(
    renderTable(
      [
        { header: 'clients', align: 'left' },
        { header: 'server', align: 'left' },
        { header: 'live' },
        { header: 'changes/s' },
        { header: 'of written' },
        { header: 'frames/s' },
        { header: 'bytes/s' },
        { header: 'RSS/conn' },
        { header: 'heap/conn' },
        { header: 'peak RSS' },
        { header: 'cpu' },
        { header: 'clients cpu' },
        { header: 'machine cpu' },
        { header: 'loop p99 ms' },
        { header: 'tc/bare' },
        { header: 'ok', align: 'left' },
      ],
      rows,
    ),
  );
  out.push('');
  const at = measures.filter((m) => m.server === 'tablecast' && m.ok).map((m) => m.clients);
  const best = at.length > 0 ? Math.max(...at) : 0;
  const tcBest = measures.find((m) => m.server === 'tablecast' && m.clients === best);
  const bareBest = measures.find((m) => m.server === 'bare' && m.clients === best);
  const ratioBest =
    tcBest && bareBest ? tcBest.changesPerSecond / bareBest.changesPerSecond : Number.NaN;
  out.push(
    `aim (reported, not asserted): ${fmtNumber(AIM.clients)} clients at ≥ ${AIM.vsBare}× the bare rate — ` +
      `largest healthy step ${fmtNumber(best)} clients at ${fmtRatio(ratioBest)} ` +
      `${best >= AIM.clients && ratioBest >= AIM.vsBare ? '✓' : '✗'}`,
  );
  out.push(
    `Clients (${loadClient === 'go' ? 'bench/loadclient, compiled Go' : 'bench/load-clients.ts, Node'}) are raw sockets speaking the protocol (subscribe, wait for snapshot-end, count deltas; changes ` +
      'counted by a marker in the bytes, no JSON parse), not the client library, to keep the client side cheap. ' +
      "The bare server relays the bridge's own delta frames (one upstream subscription) to its sockets, so both send " +
      'the same bytes (frames that queue up while it is busy are merged into one delta, as the bridge batches). changes/s = changes received by all sockets per second; of written = ' +
      'changes/s ÷ (acked writes/s × clients), below 100% when sockets fall behind or deltas compact repeated keys. ' +
      'RSS/heap per connection: server process after GC with N sockets live minus before. cpu: server process CPU ' +
      'time over the window (1 core = 100%); clients cpu: the load-client processes; machine cpu: every process ' +
      '(2 cores = 200%), so machine − server − clients is what the broker and the writer took.',
  );
  process.stdout.write(`${out.join('\n')}\n`);

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
    writer: { written, acked, writeErrors },
    aim: AIM,
    measures,
  });
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return measures.every((m) => m.ok) ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  writing = false;
  await cleanups.run();
}
process.exit(exitCode);
