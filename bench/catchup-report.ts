import type { Contender, RunRecord } from './catchup-contenders.js';
import type { PayloadSummary } from './lib/data.js';
import type { PopulateResult } from './lib/kafka.js';
import { fmtNumber, fmtRatio, max, median, min, ratio } from './lib/stats.js';
import { renderTable } from './lib/table.js';

export const TARGETS = {
  /** tablecast records/s ≥ this × ktables records/s */
  vsKtables: 2,
  /** tablecast records/s ≥ this × kcat records/s */
  vsKcat: 0.5,
  /** tablecast heap per key ≤ payload per key + this many bytes */
  overheadBytesPerKey: 100,
} as const;

export interface ContenderSummary {
  readonly runs: number;
  readonly okRuns: number;
  readonly medianSeconds: number;
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly recordsPerSecond: number;
  readonly keys: number | null;
  readonly bytesPerKey: number | null;
  readonly memoryKind: 'heap' | 'rss' | null;
  readonly overheadBytesPerKey: number | null;
  readonly stoppedBytesPerKey: number | null;
  readonly atCatchUpBytesPerKey: number | null;
  readonly ratioVsKtables: number;
  readonly ratioVsKcat: number;
}

/** Per contender: the median of its good runs, and its ratios to the references. */
export function summarize(
  contenders: readonly Contender[],
  records: RunRecord[],
  recordsInTopic: number,
  payload: PayloadSummary,
): Record<string, ContenderSummary> {
  const base = new Map<Contender, Omit<ContenderSummary, 'ratioVsKtables' | 'ratioVsKcat'>>();
  for (const c of contenders) {
    const mine = records.filter((r) => r.contender === c);
    const ok = mine.filter((r) => r.ok);
    const secs = ok.map((r) => r.seconds);
    const med = median(secs);
    const bpk = ok.map((r) => r.bytesPerKey).filter((v): v is number => v !== null);
    const sizes = ok.map((r) => r.size).filter((v): v is number => v !== null);
    const medBpk = bpk.length > 0 ? median(bpk) : null;
    const stopped = ok.map((r) => r.stoppedBytesPerKey).filter((v): v is number => v !== null);
    const atCatchUp = ok.map((r) => r.atCatchUpBytesPerKey).filter((v): v is number => v !== null);
    base.set(c, {
      runs: mine.length,
      okRuns: ok.length,
      medianSeconds: med,
      minSeconds: min(secs),
      maxSeconds: max(secs),
      recordsPerSecond: recordsInTopic / med,
      keys: sizes.length > 0 ? median(sizes) : null,
      bytesPerKey: medBpk,
      memoryKind: ok.find((r) => r.memoryKind !== null)?.memoryKind ?? null,
      overheadBytesPerKey: medBpk === null ? null : medBpk - payload.finalPayloadBytesPerKey,
      stoppedBytesPerKey: stopped.length > 0 ? median(stopped) : null,
      atCatchUpBytesPerKey: atCatchUp.length > 0 ? median(atCatchUp) : null,
    });
  }
  const out: Record<string, ContenderSummary> = {};
  for (const [c, s] of base) {
    out[c] = {
      ...s,
      ratioVsKtables: ratio(s.recordsPerSecond, base.get('ktables')?.recordsPerSecond),
      ratioVsKcat: ratio(s.recordsPerSecond, base.get('kcat')?.recordsPerSecond),
    };
  }
  return out;
}

export interface TargetResult {
  readonly target: string;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | null;
}

/** The tablecast targets, judged; null where nothing was measured. */
export function evaluateTargets(
  summary: Record<string, ContenderSummary>,
  payload: PayloadSummary,
): TargetResult[] {
  const tc = summary.tablecast;
  const vsKtables = tc?.ratioVsKtables ?? Number.NaN;
  const vsKcat = tc?.ratioVsKcat ?? Number.NaN;
  const overhead = tc?.overheadBytesPerKey ?? null;
  const judge = (value: number | null, ok: (v: number) => boolean): boolean | null =>
    value === null || !Number.isFinite(value) ? null : ok(value);
  return [
    {
      target: 'records/s vs ktables',
      goal: `≥ ${TARGETS.vsKtables}×`,
      measured: fmtRatio(vsKtables),
      met: judge(vsKtables, (v) => v >= TARGETS.vsKtables),
    },
    {
      target: 'records/s vs kcat',
      goal: `≥ ${TARGETS.vsKcat}×`,
      measured: fmtRatio(vsKcat),
      met: judge(vsKcat, (v) => v >= TARGETS.vsKcat),
    },
    {
      target: 'heap per key beyond payload',
      goal: `≤ ${TARGETS.overheadBytesPerKey} B (payload ${fmtNumber(payload.finalPayloadBytesPerKey, 1)} B)`,
      measured: overhead === null ? '—' : `${fmtNumber(overhead, 1)} B`,
      met: judge(overhead, (v) => v <= TARGETS.overheadBytesPerKey),
    },
  ];
}

/** The catch-up table, the targets and the diagnostics, as printed. */
export function catchupReport(
  contenders: readonly Contender[],
  summary: Record<string, ContenderSummary>,
  targets: readonly TargetResult[],
  ctx: {
    recordsInTopic: number;
    payload: PayloadSummary;
    kafka: string;
    population: PopulateResult;
    partitions: number;
    valueBytes: number;
    runs: number;
  },
): string {
  const { partitions, runs } = ctx;
  const out: string[] = [];
  out.push('');
  out.push(
    `catch-up: ${fmtNumber(ctx.recordsInTopic)} records, ${fmtNumber(ctx.payload.keys)} keys, ` +
      `${partitions} partitions, ~${ctx.valueBytes} B values, ${runs} run(s) each — ${ctx.kafka}`,
  );
  out.push(
    `payload: ${fmtNumber(ctx.payload.finalPayloadBytesPerKey, 1)} B/key (key + latest value); ` +
      `topic filled by ${ctx.population.producer} in ${ctx.population.seconds.toFixed(1)} s`,
  );
  out.push('');
  const rows = contenders.map((c) => {
    const s = summary[c]!;
    const mem =
      s.bytesPerKey === null
        ? '—'
        : `${fmtNumber(s.bytesPerKey, 1)}${s.memoryKind === 'rss' ? ' (rss)' : ''}`;
    return [
      c,
      Number.isFinite(s.medianSeconds) ? s.medianSeconds.toFixed(3) : 'failed',
      Number.isFinite(s.minSeconds) ? `${s.minSeconds.toFixed(2)}–${s.maxSeconds.toFixed(2)}` : '—',
      fmtNumber(s.recordsPerSecond),
      fmtRatio(s.ratioVsKtables),
      fmtRatio(s.ratioVsKcat),
      s.keys === null ? '—' : fmtNumber(s.keys),
      mem,
      s.overheadBytesPerKey === null ? '—' : fmtNumber(s.overheadBytesPerKey, 1),
      `${s.okRuns}/${s.runs}`,
    ];
  });
  out.push(
    renderTable(
      [
        { header: 'contender', align: 'left' },
        { header: 'median s' },
        { header: 'range s' },
        { header: 'records/s' },
        { header: 'vs ktables' },
        { header: 'vs kcat' },
        { header: 'keys' },
        { header: 'mem B/key' },
        { header: 'overhead B/key' },
        { header: 'ok' },
      ],
      rows,
    ),
  );
  out.push('');
  out.push(
    renderTable(
      [
        { header: 'tablecast target', align: 'left' },
        { header: 'goal', align: 'left' },
        { header: 'measured' },
        { header: 'met' },
      ],
      targets.map((t) => [t.target, t.goal, t.measured, t.met === null ? '—' : t.met ? '✓' : '✗']),
    ),
  );
  out.push('');
  out.push(
    'mem B/key: tablecast = V8 heap used + ArrayBuffers while live (reader running, 1 s after ' +
      'catch-up) minus before start (2× gc); ktables = process RSS growth (rss). ' +
      'overhead = mem − payload.',
  );
  const atCatchUp = summary.tablecast?.atCatchUpBytesPerKey;
  if (atCatchUp !== null && atCatchUp !== undefined) {
    out.push(
      `diagnostic: tablecast at the moment of catch-up (the replay's last fetch still held): ${fmtNumber(atCatchUp, 1)} B/key.`,
    );
  }
  const stopped = summary.tablecast?.stoppedBytesPerKey;
  if (stopped !== null && stopped !== undefined) {
    out.push(
      `diagnostic: tablecast heap after stop() (map only, client closed): ${fmtNumber(stopped, 1)} B/key, ` +
        `${fmtNumber(stopped - ctx.payload.finalPayloadBytesPerKey, 1)} B/key beyond payload.`,
    );
  }
  return out.join('\n');
}
