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
 * Options (or BENCH_<NAME> env): --clients 1,100,1000 --rate --duration-ms --warmup-ms
 * --first-warmup-ms (default 10000: the first step also warms up the broker) --keys --value-bytes
 * --partitions --timeout-ms --broker-heap-mb --topic --keep-topic --out
 * --bridge-cpu-prof DIR (a V8 CPU profile of the bridge, written when it exits), --probe-cpu-prof
 * DIR (the same for the measuring process)
 * --probe-position last|first: whether the measuring client subscribes after the load sockets
 * (default) or before them
 * --bridges N: N bridge processes, each replaying the table itself (what `tablecast serve
 * --workers N` runs behind one port), the load sockets spread evenly over them, one load-client
 * process per bridge; the measuring client subscribes to the first
 * --linger-ms N (default 0: one produce request per record, as KafkaTableWriter.set() sends): the
 * writer sends what is due every N ms as one request (5 is the Java producer's default since
 * Kafka 4.0); a record's latency starts at its request's ack
 * --load-filter-prefix P: the load sockets subscribe with key prefix P as their filter
 * --load-nice N (default 10): the load client's nice level, so that on this shared machine it
 * yields to the bridge and the measuring process (0: same priority as them)
 */
import * as path from 'node:path';
import {
  type BridgeStats,
  type LoadReport,
  ms,
  type ProbeResult,
  renderLatencyReport,
  type Step,
} from './latency-report.js';
import { Options } from './lib/args.js';
import { acquireBroker, createCompactedTopic, deleteTopic, withAdmin } from './lib/kafka.js';
import { Cleanups, sleep } from './lib/lifecycle.js';
import { parseLoadClientKind, startLoadClient } from './lib/load-client.js';
import { machineCpu } from './lib/machine-cpu.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
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
// The first step also warms up everything that just started (the broker's JIT above all): with
// 1 s, the first step's p99 measured the broker's warm-up (30+ ms) rather than the bridge.
const firstWarmupMs = Math.max(warmupMs, opts.int('first-warmup-ms', 10_000, 0));
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
// The same for the measuring process (writer, client, KafkaTable).
const probeCpuProf = opts.string('probe-cpu-prof', '');
const bridgeCount = opts.int('bridges', 1, 1);
// The writer sends what is due every this many ms as one request (5: the Java producer's default
// linger.ms since Kafka 4.0); 0 = one request per record.
const lingerMs = opts.int('linger-ms', 0, 0);
// The load sockets subscribe with this key prefix as their filter (all with the same filter and
// sub id, so the bridge builds each filtered delta once for all of them); empty: whole table.
const loadFilterPrefix = opts.string('load-filter-prefix', '');
// The load sockets' process runs at this nice level: on a shared machine it gives way to the
// bridge and the measuring process (real clients are on other machines). 0 = same priority.
const loadNice = opts.int('load-nice', 10, 0);
opts.assertNoUnknown();

const TABLE = 'bench';
const AIM = { p50Ms: 2, p99Ms: 10 } as const;
const log = (message: string): void => {
  process.stderr.write(`[bench:latency] ${message}\n`);
};
const cleanups = new Cleanups(log);

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
  stepWarmupMs: number,
): Promise<Step> {
  const stepTimeout = timeoutMs + 2 * (durationMs + stepWarmupMs);
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
            [
              ...['--url', bridges[i]!.url, '--count', String(count), '--table', TABLE],
              ...(loadFilterPrefix === '' ? [] : ['--filter-prefix', loadFilterPrefix]),
            ],
            { timeoutMs: stepTimeout + 60_000, label: `[load ${i}] `, nice: loadNice },
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
          ...['--duration-ms', String(durationMs), '--warmup-ms', String(stepWarmupMs)],
          ...['--keys', String(keys), '--value-bytes', String(valueBytes)],
          ...['--linger-ms', String(lingerMs)],
        ],
        {
          timeoutMs: stepTimeout + 60_000,
          nodeFlags: probeCpuProf
            ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(probeCpuProf)}`]
            : [],
          label: '[probe] ',
        },
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
    // The load clients' reports summed over the bridges they load.
    const report =
      reports.length === 0
        ? undefined
        : {
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
        timeoutMs:
          clientSteps.length * (timeoutMs * 2 + 3 * (durationMs + warmupMs)) +
          3 * firstWarmupMs +
          120_000,
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
    const warmup = steps.length === 0 ? firstWarmupMs : warmupMs;
    log(
      `step: ${clients} client(s), ${rate} writes/s for ${durationMs} ms (+${warmup} ms warm-up)`,
    );
    const step = await runStep(bridges, brokers, clients, warmup);
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

  const parameters = {
    clients: clientSteps,
    rate,
    durationMs,
    warmupMs,
    firstWarmupMs,
    keys,
    valueBytes,
    partitions,
    topic,
    bridges: bridgeCount,
    lingerMs,
    loadNice,
    loadFilterPrefix,
  };
  process.stdout.write(renderLatencyReport(steps, { ...parameters, brokers, aim: AIM }));

  const file = await writeResult(outFile, {
    benchmark: 'latency',
    machine: machineFacts(),
    kafka: { brokers, startedByBench: broker.owned, version: broker.version ?? null },
    parameters: {
      ...parameters,
      probePosition: probeFirst ? 'first' : 'last',
      loadClient,
    },
    aim: AIM,
    steps,
  });
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return steps.every((s) => s.ok) ? 0 : 1;
}

await cleanups.exitAfter(main);
