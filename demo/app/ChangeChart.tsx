import { useEffect, useState } from 'react';
import type { TablecastClient } from '../../client/src/index.js';
import { FLAGS_TABLE, SERVICES_TABLE } from '../data.js';

const SECONDS = 60;
const WIDTH = 300;
const HEIGHT = 84;

interface Bucket {
  readonly services: number;
  readonly flags: number;
}

/** Changes applied per second over the last minute, from the handles' `onChanges`. */
export function ChangeChart({ client }: { readonly client: TablecastClient }) {
  const [series, setSeries] = useState<readonly Bucket[]>(() =>
    Array.from({ length: SECONDS }, () => ({ services: 0, flags: 0 })),
  );
  const [total, setTotal] = useState(0);

  useEffect(() => {
    let current = { services: 0, flags: 0 };
    const services = client.table(SERVICES_TABLE);
    const flags = client.table(FLAGS_TABLE);
    const offServices = services.onChanges((changes) => {
      current = { ...current, services: current.services + changes.length };
    });
    const offFlags = flags.onChanges((changes) => {
      current = { ...current, flags: current.flags + changes.length };
    });
    const timer = setInterval(() => {
      const done = current;
      current = { services: 0, flags: 0 };
      setSeries((previous) => [...previous.slice(1), done]);
      setTotal((t) => t + done.services + done.flags);
    }, 1_000);
    return () => {
      clearInterval(timer);
      offServices();
      offFlags();
      services.close();
      flags.close();
    };
  }, [client]);

  const busiest = Math.max(...series.map((b) => b.services + b.flags));
  // The scale never drops below 4/s, so a quiet minute does not look like a busy one.
  const peak = Math.max(4, busiest);
  const last = series[series.length - 1] ?? { services: 0, flags: 0 };
  const barWidth = WIDTH / SECONDS;
  const scale = (n: number) => (n / peak) * (HEIGHT - 4);

  return (
    <section className="card" aria-labelledby="chart-title">
      <div className="card-head">
        <h2 id="chart-title">Changes per second</h2>
        <span className="rate" data-testid="rate">
          {last.services + last.flags}
          <span className="muted small"> /s</span>
        </span>
      </div>
      <svg
        className="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Changes per second over the last ${SECONDS} seconds`}
      >
        <line
          className="gridline"
          x1="0"
          x2={WIDTH}
          y1={HEIGHT - scale(peak / 2)}
          y2={HEIGHT - scale(peak / 2)}
        />
        {series.map((bucket, i) => {
          const x = i * barWidth + 0.5;
          const hs = scale(bucket.services);
          const hf = scale(bucket.flags);
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: a fixed-size ring of seconds
            <g key={i}>
              {hs > 0 && (
                <rect
                  className="bar-services"
                  x={x}
                  y={HEIGHT - hs}
                  width={barWidth - 1}
                  height={hs}
                  rx="1"
                />
              )}
              {hf > 0 && (
                <rect
                  className="bar-flags"
                  x={x}
                  y={HEIGHT - hs - hf}
                  width={barWidth - 1}
                  height={hf}
                  rx="1"
                />
              )}
            </g>
          );
        })}
      </svg>
      <div className="legend">
        <span>
          <span className="swatch swatch-services" /> registry
        </span>
        <span>
          <span className="swatch swatch-flags" /> flags
        </span>
        <span className="muted">
          peak {busiest}/s · {total} changes seen
        </span>
      </div>
    </section>
  );
}
