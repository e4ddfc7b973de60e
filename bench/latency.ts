/**
 * Latency benchmark: writer ack → client change callback, through the bridge, at a paced write
 * rate with 1, 100 and 1000 connected clients.
 *
 *   npm run bench latency                                          # 1k writes/s, 10 s per step
 *   npm run bench latency -- --clients 1,10 --duration-ms 3000     # smoke run
 *
 * Processes: the broker; the bridge (bench/bridge-host.ts); the probe (bench/latency-probe.ts:
 * writer + one createClient client + an in-process KafkaTable, one clock); and N−1 load
 * subscribers in one more process (bench/load-clients.ts: raw ws sockets speaking the protocol).
 * The in-process KafkaTable latency (writer ack → table.onChanges) is the reference: the
 * difference is the bridge's hop (bridge consumer, encode, WebSocket, client decode and apply).
 *
 * Options (or BENCH_<NAME> env): --clients 1,100,1000 --rate --duration-ms --warmup-ms --keys
 * --value-bytes --partitions --timeout-ms --broker-heap-mb --topic --keep-topic --out
 * --bridge-cpu-prof DIR (a V8 CPU profile of the bridge, written when it exits)
 * --probe-position last|first: whether the measuring client subscribes after the load sockets
 * (default: it is then the last socket of every fan-out round) or before them (the first)
 * --bridges N: N bridge processes, each replaying the table itself (what `tablecast serve
 * --workers N` runs behind one port), the load sockets spread evenly over them, one load-client
 * process per bridge; the measuring client subscribes to the first
 */
import * as path from 'node:path';
import { Options } from './lib/args.js';
import { acquireBroker, createCompactedTopic, deleteTopic, withAdmin } from './lib/kafka.js';
import { Cleanups, sleep } from './lib/lifecycle.js';
import { parseLoadClientKind, startLoadClient } from './lib/load-client.js';
import { machineCpu } from './lib/machine-cpu.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
import type { Distribution } from './lib/stats.js';
import { fmtNumber } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { startWorker, type Worker, type WorkerMessage } from './lib/worker.js';

const opts = new Options();
const clientSteps = opts.list('clients', ['1', '100', '1000']).map((s) => {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 1 || n > 5_000) throw new Error(`--clients: bad count ${s}`);
  return n;
});
const rate = opts.int('rate', 1_000, 1);
const probeFirst = opts.string('probe-position', 'last') === 'first';
const durationMs = opts.int('duration-ms', 10_000, 500);
const warmupMs = opts.int('warmup-ms', 1_000, 0);
const keys = opts.int('keys', 1_000, 1);
const valueBytes = opts.int('value-bytes', 200, 32);
const partitions = opts.int('partitions', 4, 1);
const timeoutMs = opts.int('timeout-ms', 120_000, 10_000);
const brokerHeapMb = opts.int('broker-heap-mb', 1024, 256);
const topic = opts.string('topic', `tablecast-bench-latency-${Date.now()}`);
const keepTopic = opts.bool('keep-topic');
const outFile = opts.string('out', 'latency.json');
const loadClient = parseLoadClientKind(opts.string('load-client', 'go'));
// A directory for a V8 CPU profile of the bridge process (node --cpu-prof), written at its exit.
const bridgeCpuProf = opts.string('bridge-cpu-prof', '');
const bridgeCount = opts.int('bridges', 1, 1);
opts.assertNoUnknown();

const TABLE = 'bench';
const AIM = { p50Ms: 2, p99Ms: 10 } as const;
const log = (message: string): void => {
  process.stderr.write(`[bench:latency] ${message}\n`);
};
const cleanups = new Cleanups(log);

type Lat = Distribution & { missing: number; negative: number };
type ProbeResult = WorkerMessage & {
  sent: number;
  measured: number;
  writeErrors: number;
  sendRate: number;
  client: Lat;
  table: Lat;
  ack: Distribution;
};
type BridgeStats = WorkerMessage & {
  connections: number;
  subscriptions: number;
  framesSent: number;
  bytesSent: number;
  slowClientEvents: number;
  cpuShare: number;
  loopDelayP99Ms: number;
  rss: number;
};
type LoadReport = WorkerMessage & {
  cpuSeconds?: number;
  frames: number;
  changes: number;
  live: number;
  minChanges: number;
};

interface Step {
  readonly clients: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly probe?: ProbeResult;
  readonly load?: {
    sockets: number;
    live: number;
    frames: number;
    changes: number;
    minChangesPerSocket: number;
  };
  readonly bridge?: {
    /** Summed over the bridge processes (1 core = 1), and per process. */
    cpuShare: number;
    cpuShares: number[];
    loopDelayP99Ms: number;
    framesSent: number;
    bytesSent: number;
    slowClientEvents: number;
    rss: number;
  };
  /** CPU per wall second over the step (1 core = 1): the load client, the whole machine. */
  readonly cpu?: { load: number | null; machine: number; wallSeconds: number };
}

async function waitForConnections(bridge: Worker, want: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const s = await bridge.request<BridgeStats>({ type: 'stats' }, 'stats', 10_000);
    if (s.connections <= want) return;
    await sleep(200);
  }
  log(`warning: bridge still has connections above ${want}`);
}

interface Bridge {
  readonly worker: Worker;
  readonly url: string;
}

const statsOf = (bridges: readonly Bridge[]): Promise<BridgeStats[]> =>
  Promise.all(
    bridges.map((b) => b.worker.request<BridgeStats>({ type: 'stats' }, 'stats', 10_000)),
  );

/** The load sockets spread over the bridges as evenly as they go, the first ones taking more. */
function shares(sockets: number, bridges: number): number[] {
  return Array.from(
    { length: bridges },
    (_, i) => Math.floor(sockets / bridges) + (i < sockets % bridges ? 1 : 0),
  );
}

async function runStep(
  bridges: readonly Bridge[],
  brokers: string,
  clients: number,
): Promise<Step> {
  const stepTimeout = timeoutMs + 2 * (durationMs + warmupMs);
  const loads: Worker[] = [];
  let probe: Worker | undefined;
  const url = bridges[0]!.url;
  try {
    const startLoad = async () => {
      const counts = shares(clients - 1, bridges.length);
      const live = await Promise.all(
        counts.map(async (count, i) => {
          if (count === 0) return 0;
          const load = startLoadClient(
            loadClient,
            ['--url', bridges[i]!.url, '--count', String(count), '--table', TABLE],
            { timeoutMs: stepTimeout + 60_000, label: `[load ${i}] ` },
          );
          loads.push(load);
          const ready = await load.next<
            WorkerMessage & { live: number; failed: number; seconds: number }
          >('ready', timeoutMs);
          log(`  ${ready.live}/${count} load subscribers live in ${ready.seconds.toFixed(1)} s`);
          return ready.live;
        }),
      );
      const total = live.reduce((a, b) => a + b, 0);
      if (total !== clients - 1) throw new Error(`only ${total} load subscribers live`);
    };
    const startProbe = async () => {
      probe = startWorker(
        path.join(repoRoot, 'bench', 'latency-probe.ts'),
        [
          ...['--brokers', brokers, '--topic', topic, '--url', url, '--table', TABLE],
          ...['--phase', `c${clients}-${Date.now()}`, '--rate', String(rate)],
          ...['--duration-ms', String(durationMs), '--warmup-ms', String(warmupMs)],
          ...['--keys', String(keys), '--value-bytes', String(valueBytes)],
        ],
        { timeoutMs: stepTimeout + 60_000, label: '[probe] ' },
      );
      await probe.next('ready', timeoutMs);
    };
    // Sockets are written in the order they subscribed: the measuring client is either the
    // last socket of every fan-out round (the slowest one) or the first (the quickest).
    if (probeFirst) {
      await startProbe();
      await startLoad();
    } else {
      await startLoad();
      await startProbe();
    }
    const resets = await Promise.all(
      loads.map((l) => l.request<LoadReport>({ type: 'reset' }, 'reset', 10_000)),
    );
    const before = await statsOf(bridges);
    const machine0 = machineCpu();
    const result = await probe!.request<ProbeResult>({ type: 'go' }, 'result', stepTimeout);
    const machine = machineCpu().since(machine0);
    const wallSeconds = (performance.now() - machine0.at * 1000) / 1000;
    const after = await statsOf(bridges);
    const reports = await Promise.all(
      loads.map((l) => l.request<LoadReport>({ type: 'report' }, 'report', 10_000)),
    );
    const report: LoadReport | undefined =
      reports.length === 0
        ? undefined
        : {
            type: 'report',
            frames: reports.reduce((a, r) => a + r.frames, 0),
            changes: reports.reduce((a, r) => a + r.changes, 0),
            live: reports.reduce((a, r) => a + r.live, 0),
            minChanges: Math.min(...reports.map((r) => r.minChanges)),
          };
    const cpuSeconds = (rs: readonly LoadReport[]) =>
      rs.every((r) => r.cpuSeconds !== undefined)
        ? rs.reduce((a, r) => a + r.cpuSeconds!, 0)
        : undefined;
    const loadCpuAfter = cpuSeconds(reports);
    const loadCpuBefore = cpuSeconds(resets);
    const loadCpu =
      reports.length > 0 && loadCpuAfter !== undefined && loadCpuBefore !== undefined
        ? (loadCpuAfter - loadCpuBefore) / wallSeconds
        : null;
    const sum = (pick: (s: BridgeStats) => number) =>
      after.reduce((a, s, i) => a + pick(s) - pick(before[i]!), 0);
    return {
      clients,
      ok: result.client.count > 0,
      probe: result,
      ...(report
        ? {
            load: {
              sockets: clients - 1,
              live: report.live,
              frames: report.frames,
              changes: report.changes,
              minChangesPerSocket: report.minChanges,
            },
          }
        : {}),
      bridge: {
        cpuShare: after.reduce((a, s) => a + s.cpuShare, 0),
        cpuShares: after.map((s) => s.cpuShare),
        loopDelayP99Ms: Math.max(...after.map((s) => s.loopDelayP99Ms)),
        framesSent: sum((s) => s.framesSent),
        bytesSent: sum((s) => s.bytesSent),
        slowClientEvents: sum((s) => s.slowClientEvents),
        rss: after.reduce((a, s) => a + s.rss, 0),
      },
      cpu: { load: loadCpu, machine, wallSeconds },
    };
  } catch (error) {
    return { clients, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await probe?.stop();
    await Promise.all(loads.map((l) => l.stop()));
    await Promise.all(bridges.map((b) => waitForConnections(b.worker, 0)));
  }
}

/** The bridges' CPU (1 core = 100%): the sum, and each process's when there are several. */
const bridgeCpuCell = (shares: readonly number[]): string => {
  const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
  const total = pct(shares.reduce((a, b) => a + b, 0));
  return shares.length === 1 ? total : `${total} (${shares.map(pct).join(' + ')})`;
};

const ms = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2);

async function main(): Promise<number> {
  const broker = await acquireBroker({ heapMb: brokerHeapMb, log: (l) => log(`kafka: ${l}`) });
  if (broker.owned) cleanups.add('stop broker', () => broker.stop());
  const brokers = broker.brokers;
  log(`Kafka at ${brokers}${broker.owned ? '' : ' (external)'}`);
  await withAdmin(brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  if (!keepTopic) {
    cleanups.add('delete topic', () => withAdmin(brokers, (admin) => deleteTopic(admin, topic)));
  }

  const bridges: Bridge[] = [];
  cleanups.add('stop bridges', async () => {
    await Promise.all(bridges.map((b) => b.worker.stop()));
  });
  for (let i = 0; i < bridgeCount; i++) {
    const worker = startWorker(
      path.join(repoRoot, 'bench', 'bridge-host.ts'),
      ['--brokers', brokers, '--topic', topic, '--table', TABLE],
      {
        timeoutMs: clientSteps.length * (timeoutMs * 2 + 3 * (durationMs + warmupMs)) + 120_000,
        nodeFlags: [
          '--expose-gc',
          ...(bridgeCpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(bridgeCpuProf)}`] : []),
        ],
        label: `[bridge ${i}] `,
      },
    );
    const ready = await worker.next<WorkerMessage & { url: string }>('ready', timeoutMs);
    bridges.push({ worker, url: ready.url });
    log(`bridge ${i} at ${ready.url}`);
  }

  const steps: Step[] = [];
  for (const clients of clientSteps) {
    if (cleanups.aborting) throw new Error('interrupted');
    log(
      `step: ${clients} client(s), ${rate} writes/s for ${durationMs} ms (+${warmupMs} ms warm-up)`,
    );
    const step = await runStep(bridges, brokers, clients);
    steps.push(step);
    if (step.ok && step.probe) {
      const p = step.probe;
      log(
        `  client p50 ${ms(p.client.p50)} p99 ${ms(p.client.p99)} max ${ms(p.client.max)} ms; ` +
          `KafkaTable p50 ${ms(p.table.p50)} p99 ${ms(p.table.p99)} ms; missing ${p.client.missing}`,
      );
    } else {
      log(`  FAILED: ${step.error ?? 'no samples'}`);
    }
  }
  await Promise.all(bridges.map((b) => b.worker.stop()));

  const out: string[] = [''];
  out.push(
    `latency: writer ack → change callback, ${fmtNumber(rate)} writes/s paced for ${durationMs / 1000} s ` +
      `(+${warmupMs / 1000} s warm-up, not counted), ${keys} keys × ~${valueBytes} B, ${partitions} partitions — Kafka at ${brokers}`,
  );
  out.push('');
  out.push(
    renderTable(
      [
        { header: 'clients', align: 'left' },
        { header: 'path', align: 'left' },
        { header: 'samples' },
        { header: 'p50 ms' },
        { header: 'p90 ms' },
        { header: 'p99 ms' },
        { header: 'max ms' },
        { header: 'missing' },
        { header: 'writes/s' },
        { header: 'bridge cpu' },
        { header: 'µs/frame' },
        { header: 'load cpu' },
        { header: 'machine cpu' },
        { header: 'load deltas ok' },
      ],
      steps.flatMap((s) => {
        if (!s.probe) return [[String(s.clients), `failed: ${s.error ?? '?'}`]];
        const p = s.probe;
        const loadOk = s.load
          ? `${s.load.live}/${s.load.sockets} sockets, min ${fmtNumber(s.load.minChangesPerSocket)} changes`
          : '—';
        return [
          [
            String(s.clients),
            'client via bridge',
            fmtNumber(p.client.count),
            ms(p.client.p50),
            ms(p.client.p90),
            ms(p.client.p99),
            ms(p.client.max),
            String(p.client.missing),
            fmtNumber(p.sendRate),
            s.bridge ? bridgeCpuCell(s.bridge.cpuShares) : '—',
            s.bridge && s.cpu && s.bridge.framesSent > 0
              ? fmtNumber((s.bridge.cpuShare * s.cpu.wallSeconds * 1e6) / s.bridge.framesSent, 1)
              : '—',
            s.cpu?.load == null ? '—' : `${(s.cpu.load * 100).toFixed(0)}%`,
            s.cpu ? `${(s.cpu.machine * 100).toFixed(0)}%` : '—',
            loadOk,
          ],
          [
            '',
            'KafkaTable in-process',
            fmtNumber(p.table.count),
            ms(p.table.p50),
            ms(p.table.p90),
            ms(p.table.p99),
            ms(p.table.max),
            String(p.table.missing),
            '',
            '',
            '',
            '',
            '',
            '',
          ],
          [
            '',
            'bridge hop (Δ)',
            '',
            ms(p.client.p50 - p.table.p50),
            ms(p.client.p90 - p.table.p90),
            ms(p.client.p99 - p.table.p99),
            '',
            '',
            '',
            '',
            '',
            '',
            '',
            '',
          ],
        ];
      }),
    ),
  );
  out.push('');
  const aims = steps.map((s) => {
    const p = s.probe?.client;
    const met = p ? p.p50 <= AIM.p50Ms && p.p99 <= AIM.p99Ms : null;
    return `${s.clients}: ${met === null ? '—' : met ? '✓' : '✗'}`;
  });
  out.push(
    `aim (reported, not asserted): client p50 ≤ ${AIM.p50Ms} ms and p99 ≤ ${AIM.p99Ms} ms — ${aims.join(', ')}`,
  );
  out.push(
    'One process holds the writer, the measuring client (createClient + ws) and the reference KafkaTable, so both ' +
      'latencies use one clock. The other N−1 clients are raw ws sockets in one more process that subscribe and count ' +
      "deltas (cheaper than the client library). 'bridge hop' = client minus KafkaTable at the same percentile. " +
      'Negative samples (seen before the ack resolved) are kept. bridge cpu: the bridge process (1 core = 100%); ' +
      'µs/frame: its CPU time per frame sent; load cpu: the load-client process; machine cpu: every process ' +
      '(2 cores = 200%), so a reader sees whether the bridge or the machine was the limit.',
  );
  process.stdout.write(`${out.join('\n')}\n`);

  const file = await writeResult(outFile, {
    benchmark: 'latency',
    machine: machineFacts(),
    kafka: { brokers, startedByBench: broker.owned, version: broker.version ?? null },
    parameters: {
      clients: clientSteps,
      rate,
      durationMs,
      warmupMs,
      keys,
      valueBytes,
      partitions,
      topic,
      bridges: bridgeCount,
      probePosition: probeFirst ? 'first' : 'last',
      loadClient,
    },
    aim: AIM,
    steps,
  });
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return steps.every((s) => s.ok) ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanups.run();
}
process.exit(exitCode);
