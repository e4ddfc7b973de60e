/**
 * What bench/latency.ts measured, as the JSON result's step shape and the readable table.
 */

import type { LoadClientReport } from './lib/load-client.js';
import type { Distribution } from './lib/stats.js';
import { fmtNumber } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import type { WorkerMessage } from './lib/worker.js';

export type Lat = Distribution & { missing: number; negative: number };
export type ProbeResult = WorkerMessage & {
  sent: number;
  measured: number;
  writeErrors: number;
  sendRate: number;
  client: Lat;
  table: Lat;
  ack: Distribution;
  /** The probe process's CPU per wall second (writer, measuring client, KafkaTable). */
  cpuShare?: number;
};
export type BridgeStats = WorkerMessage & {
  connections: number;
  subscriptions: number;
  framesSent: number;
  bytesSent: number;
  slowClientEvents: number;
  cpuShare: number;
  loopDelayP99Ms: number;
  rss: number;
};
export type LoadReport = LoadClientReport;

export interface Step {
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

/** The bridges' CPU (1 core = 100%): the sum, and each process's when there are several. */
const bridgeCpuCell = (shares: readonly number[]): string => {
  const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
  const total = pct(shares.reduce((a, b) => a + b, 0));
  return shares.length === 1 ? total : `${total} (${shares.map(pct).join(' + ')})`;
};

const blank = (n: number): string[] => Array.from({ length: n }, () => '');

export const ms = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2);

export interface LatencyParameters {
  readonly rate: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly keys: number;
  readonly valueBytes: number;
  readonly partitions: number;
  readonly brokers: string;
  readonly loadNice: number;
  readonly lingerMs: number;
  readonly aim: { readonly p50Ms: number; readonly p99Ms: number };
}

/** The table of steps, the aim line and what the columns mean. */
export function renderLatencyReport(steps: readonly Step[], params: LatencyParameters): string {
  const { rate, durationMs, warmupMs, keys, valueBytes, partitions, brokers } = params;
  const AIM = params.aim;
  const out: string[] = [''];
  out.push(
    `latency: writer ack → change callback, ${fmtNumber(rate)} writes/s paced for ${durationMs / 1000} s ` +
      `(+${warmupMs / 1000} s warm-up, not counted), ${keys} keys × ~${valueBytes} B, ${partitions} partitions, ` +
      `${params.lingerMs === 0 ? 'one produce request per record' : `one produce request per ${params.lingerMs} ms`} — Kafka at ${brokers}`,
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
        { header: 'probe cpu' },
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
            p.cpuShare === undefined ? '—' : `${(p.cpuShare * 100).toFixed(0)}%`,
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
            ...blank(7),
          ],
          [
            '',
            'bridge hop (Δ)',
            '',
            ms(p.client.p50 - p.table.p50),
            ms(p.client.p90 - p.table.p90),
            ms(p.client.p99 - p.table.p99),
            ...blank(9),
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
      `µs/frame: its CPU time per frame sent; load cpu: the load-client process(es), at nice ${params.loadNice}; ` +
      'probe cpu: the measuring process ' +
      '(writer, client, KafkaTable); machine cpu: every process, the broker included ' +
      '(2 cores = 200%), so a reader sees whether the bridge or the machine was the limit.',
  );
  return `${out.join('\n')}\n`;
}
