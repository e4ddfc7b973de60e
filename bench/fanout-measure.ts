import { performance } from 'node:perf_hooks';
import { sleep } from './lib/lifecycle.js';
import { type LoadClientKind, type LoadClientReport, startLoadClient } from './lib/load-client.js';
import { machineCpu } from './lib/machine-cpu.js';
import type { Worker, WorkerMessage } from './lib/worker.js';

/** What a fan-out step runs with: the run's options, its log, and the writer's acks so far. */
export interface FanoutSettings {
  readonly table: string;
  readonly clientProcesses: number;
  readonly loadClient: LoadClientKind;
  readonly connectTimeoutMs: number;
  readonly windowMs: number;
  readonly timeoutMs: number;
  readonly maxRssMb: number;
  readonly log: (message: string) => void;
  readonly acked: () => number;
}

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
type Report = LoadClientReport & { cpuSeconds: number };

export interface Measure {
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

async function serverStats(server: Worker, gc = false): Promise<ServerStats> {
  return server.request<ServerStats>({ type: 'stats', gc }, 'stats', 30_000);
}

/**
 * One step: connect and subscribe `clients` sockets to `server` (in load-client processes),
 * measure memory per connection after GC, then count what every socket receives over a window.
 */
export async function measureFanout(
  kind: 'tablecast' | 'bare',
  server: Worker,
  url: string,
  clients: number,
  settings: FanoutSettings,
): Promise<Measure> {
  const { clientProcesses, connectTimeoutMs, windowMs, timeoutMs, maxRssMb, log } = settings;
  const base = await serverStats(server, true);
  const procs = Math.min(clientProcesses, clients);
  const workers: Worker[] = [];
  const fail = (reason: string, extra: Partial<Measure> = {}) =>
    failedMeasure(kind, clients, reason, extra);
  try {
    const t0 = performance.now();
    for (let i = 0; i < procs; i++) {
      const count = Math.floor(clients / procs) + (i < clients % procs ? 1 : 0);
      workers.push(
        startLoadClient(
          settings.loadClient,
          [
            ...['--url', url, '--count', String(count), '--table', settings.table],
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
    const acked0 = settings.acked();
    // Each stats reply gives the server's CPU share since the one before: weighted by those
    // intervals they make the window's share (the last reply alone covers only its tail).
    const serverCpu = { ms: 0, at: w0 };
    const countCpu = (stats: ServerStats): ServerStats => {
      const now = performance.now();
      serverCpu.ms += stats.cpuShare * (now - serverCpu.at);
      serverCpu.at = now;
      return stats;
    };
    let peakRss = startStats.rss;
    let exploded = false;
    while (performance.now() - w0 < windowMs) {
      await sleep(Math.min(1_000, Math.max(0, windowMs - (performance.now() - w0))));
      const s = countCpu(await serverStats(server));
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
    const end = countCpu(await serverStats(server));
    const sum = (f: (r: Report) => number) => reports.reduce((s, r) => s + f(r), 0);
    const clientsCpuShare =
      (sum((r) => r.cpuSeconds) - resets.reduce((s, r) => s + r.cpuSeconds, 0)) / windowSeconds;
    const writtenPerSecond = (settings.acked() - acked0) / windowSeconds;
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
      serverCpuShare: serverCpu.ms / (serverCpu.at - w0),
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

/** A step that did not get measured: why, and what was known by then. */
function failedMeasure(
  kind: Measure['server'],
  clients: number,
  reason: string,
  extra: Partial<Measure>,
): Measure {
  return {
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
  };
}
