import { useEffect, useRef, useState } from 'react';
import { useFlag, useTable } from '../../client/src/react/index.js';
import { SERVICES_TABLE, type Service, type ServiceStatus } from '../data.js';

const STATUSES: readonly ServiceStatus[] = ['healthy', 'degraded', 'down'];

/** The service registry, one row per key, re-rendered once per applied batch. */
export function ServiceTable() {
  const { data } = useTable<Service>(SERVICES_TABLE);
  const compact = useFlag('compact-rows', false);
  const highlight = useFlag('highlight-changes', true);
  const now = useNow(1_000);
  const services = [...data.values()].sort((a, b) => a.name.localeCompare(b.name));
  const counts = Object.fromEntries(
    STATUSES.map((s) => [s, services.filter((x) => x.status === s).length]),
  ) as Record<ServiceStatus, number>;
  const up = services.filter((s) => s.status !== 'down');
  const avg = up.length ? Math.round(up.reduce((sum, s) => sum + s.latencyMs, 0) / up.length) : 0;
  const maxLatency = Math.max(300, ...services.map((s) => s.latencyMs));

  return (
    <section className="card services" aria-labelledby="services-title">
      <div className="card-head">
        <h2 id="services-title">Service registry</h2>
        <div className="summary">
          {STATUSES.map((s) => (
            <span key={s} className={`chip chip-${s}`} data-count={s}>
              <span className="dot" aria-hidden="true" />
              {counts[s]} {s}
            </span>
          ))}
          <span className="chip">avg {avg} ms</span>
        </div>
      </div>
      <div className="table-wrap">
        <table className={compact ? 'compact' : undefined} data-testid="services">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Region</th>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Latency
              </th>
              <th scope="col" className="num">
                Updated
              </th>
            </tr>
          </thead>
          <tbody>
            {services.map((service) => (
              <ServiceRow
                key={service.name}
                service={service}
                now={now}
                maxLatency={maxLatency}
                highlight={highlight}
              />
            ))}
          </tbody>
        </table>
        {services.length === 0 && <p className="empty">No services yet.</p>}
      </div>
    </section>
  );
}

interface RowProps {
  readonly service: Service;
  readonly now: number;
  readonly maxLatency: number;
  readonly highlight: boolean;
}

function ServiceRow({ service, now, maxLatency, highlight }: RowProps) {
  const row = useRef<HTMLTableRowElement>(null);
  const previous = useRef(service);
  // A new value object means a new record for this key: flash the row (not on first paint).
  useEffect(() => {
    if (previous.current === service) return;
    previous.current = service;
    if (!highlight) return;
    row.current?.animate(
      [{ backgroundColor: 'var(--flash)' }, { backgroundColor: 'transparent' }],
      { duration: 1_400, easing: 'ease-out' },
    );
  });
  const width =
    service.status === 'down' ? 0 : Math.min(100, (service.latencyMs / maxLatency) * 100);
  return (
    <tr ref={row} data-service={service.name} data-status={service.status}>
      <th scope="row" className="svc-name">
        {service.name}
      </th>
      <td className="muted">{service.region}</td>
      <td>
        <code className="version">v{service.version}</code>
      </td>
      <td>
        <span className={`status status-${service.status}`}>
          <span className="dot" aria-hidden="true" />
          {service.status}
        </span>
      </td>
      <td className="num">
        <span className="latency">
          <span className="bar" aria-hidden="true">
            {service.status !== 'down' && (
              <span
                className={`fill fill-${latencyClass(service)}`}
                style={{ width: `${width}%` }}
              />
            )}
          </span>
          <span className="latency-value">
            {service.status === 'down' ? '—' : `${service.latencyMs} ms`}
          </span>
        </span>
      </td>
      <td className="num muted">{ago(now - service.updatedAt)}</td>
    </tr>
  );
}

function latencyClass(service: Service): string {
  if (service.latencyMs >= 200) return 'slow';
  if (service.latencyMs >= 100) return 'warm';
  return 'ok';
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1_000));
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m ago`;
  return `${Math.round(m / 60)}h ago`;
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
