import { useTable } from '../../client/src/react/index.js';
import { CHANGES_PER_MINUTE_TABLE, type MinuteRow, type ServiceStatus } from '../data.js';

const MINUTES = 15;
const WIDTH = 300;
const HEIGHT = 84;
const STATUSES: readonly ServiceStatus[] = ['healthy', 'degraded', 'down'];

interface Minute {
  readonly start: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
}

/** The last minutes that have rows, oldest first; the axis follows the data, not the clock. */
function minutes(data: ReadonlyMap<string, MinuteRow>): Minute[] {
  const byStart = new Map<number, Record<string, number>>();
  for (const row of data.values()) {
    const counts = byStart.get(row.start) ?? {};
    counts[row.group] = (counts[row.group] ?? 0) + row.changes;
    byStart.set(row.start, counts);
  }
  if (byStart.size === 0) return [];
  const last = Math.max(...byStart.keys());
  return Array.from({ length: MINUTES }, (_, i) => {
    const start = last - (MINUTES - 1 - i) * 60_000;
    const counts = byStart.get(start) ?? {};
    return { start, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  });
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * Registry changes per minute by status. The bridge computes them (a windowed table over the
 * registry topic); the page only draws the rows it is sent, and they update as records arrive.
 */
export function MinuteChart() {
  const { data, status } = useTable<MinuteRow>(CHANGES_PER_MINUTE_TABLE);
  const series = minutes(data);
  const latest = series[series.length - 1];
  const peak = Math.max(4, ...series.map((m) => m.total));
  const barWidth = WIDTH / MINUTES;
  const scale = (n: number) => (n / peak) * (HEIGHT - 4);

  return (
    <section className="card" aria-labelledby="minute-chart-title" data-testid="minute-chart">
      <div className="card-head">
        <h2 id="minute-chart-title">Registry changes per minute</h2>
        <span className="rate" data-testid="minute-latest">
          {latest?.total ?? 0}
          <span className="muted small"> /min</span>
        </span>
      </div>
      <svg
        className="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Registry changes per minute by status over the last ${MINUTES} minutes`}
      >
        {series.map((minute, i) => {
          let y = HEIGHT;
          return (
            <g
              key={minute.start}
              data-minute={new Date(minute.start).toISOString()}
              data-changes={minute.total}
            >
              {STATUSES.map((s) => {
                const h = scale(minute.counts[s] ?? 0);
                if (h === 0) return null;
                y -= h;
                return (
                  <rect
                    key={s}
                    className={`bar-${s}`}
                    x={i * barWidth + 0.5}
                    y={y}
                    width={barWidth - 1}
                    height={h}
                    rx="1"
                  />
                );
              })}
            </g>
          );
        })}
      </svg>
      <div className="legend">
        {STATUSES.map((s) => (
          <span key={s}>
            <span className={`swatch swatch-${s}`} /> {s}
          </span>
        ))}
        <span className="muted">
          {latest ? `to ${clock(latest.start + 60_000)} UTC · computed in the bridge` : status}
        </span>
      </div>
    </section>
  );
}
