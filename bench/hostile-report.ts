import type { LatencyResult } from './hostile-latency.js';
import type { HostileSettings } from './hostile-settings.js';
import type { StalledResult } from './hostile-stalled.js';
import { fmtBytes, fmtNumber } from './lib/stats.js';
import { renderTable } from './lib/table.js';

/** The stalled-sockets table and the delta-latency table (one row per run), as printed. */
export function hostileReport(
  stalled: StalledResult,
  latency: ReadonlyArray<readonly [string, LatencyResult]>,
  brokers: string,
  settings: HostileSettings,
): string {
  const { keys, valueBytes, clients, rate, durationMs } = settings;
  const alone = latency.find(([name]) => name === 'alone')?.[1];
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
      latency.map(([k, l]) => [
        k,
        fmtNumber(l.count),
        fmtNumber(l.p50, 1),
        fmtNumber(l.p99, 1),
        fmtNumber(l.max, 1),
        fmtNumber(l.p99 / (alone?.p99 ?? Number.NaN), 2),
        `${fmtNumber(l.bridgeLoopDelayP99Ms, 1)} / ${fmtNumber(l.bridgeLoopDelayMaxMs, 1)}`,
        `${fmtNumber(l.bridgeCpuShare * 100)}%`,
        fmtNumber(l.floodMessagesSent),
      ]),
    ),
  );
  out.push(
    '',
    `${clients} clients, ${rate} writes/s for ${durationMs} ms; latency = writer set() call → delta parsed, one process, same clock.`,
  );
  return `${out.join('\n')}\n`;
}
