import type { Measure } from './fanout-measure.js';
import type { LoadClientKind } from './lib/load-client.js';
import { fmtBytes, fmtNumber, fmtRatio } from './lib/stats.js';
import { renderTable } from './lib/table.js';

/** What the fan-out report says about the run besides its measures. */
export interface FanoutRun {
  readonly clientSteps: readonly number[];
  readonly rate: number;
  readonly keys: number;
  readonly valueBytes: number;
  readonly partitions: number;
  readonly windowMs: number;
  readonly clientProcesses: number;
  readonly brokers: string;
  readonly loadClient: LoadClientKind;
  /** The aim, reported and not asserted. */
  readonly aim: { readonly clients: number; readonly vsBare: number };
}

const pct = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : '—');

/** The fan-out table (a tablecast row and a bare row per step), the aim, and how to read them. */
export function fanoutReport(measures: readonly Measure[], run: FanoutRun): string {
  const { clientSteps, rate, keys, valueBytes, partitions, windowMs, clientProcesses, brokers } =
    run;
  const { loadClient, aim: AIM } = run;
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
  return out.join('\n');
}
