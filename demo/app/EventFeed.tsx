import { useStream } from '../../client/src/react/index.js';
import { EVENTS_TABLE, type Service } from '../data.js';

const LIMIT = 50;
const time = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The registry's last writes as a live feed, newest first: a stream table read with useStream. */
export function EventFeed() {
  const { rows, status } = useStream<Service>(EVENTS_TABLE, { limit: LIMIT });
  const newestFirst = [...rows].reverse();
  return (
    <section className="card" aria-labelledby="feed-title" data-testid="event-feed">
      <div className="card-head">
        <h2 id="feed-title">Registry events</h2>
        <span className="muted small" data-table-status={EVENTS_TABLE} data-state={status}>
          last {LIMIT}
        </span>
      </div>
      <ol className="feed">
        {newestFirst.map((row) => (
          <li
            key={`${row.partition}:${row.offset}`}
            data-event={`${row.partition}:${row.offset}`}
            data-key={row.key ?? ''}
          >
            <time className="muted small">{time.format(row.timestamp)}</time>{' '}
            <strong>{row.key ?? '(no key)'}</strong>{' '}
            {row.value === null ? (
              <span className="muted">removed</span>
            ) : (
              <span>
                v{row.value.version} · {row.value.status} · {row.value.latencyMs} ms
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
