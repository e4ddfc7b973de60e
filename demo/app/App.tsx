import { useSyncExternalStore } from 'react';
import type { TablecastClient } from '../../client/src/index.js';
import { useFlag, useTable } from '../../client/src/react/index.js';
import { FLAGS_TABLE, SERVICES_TABLE } from '../data.js';
import { ChangeChart } from './ChangeChart.js';
import { EventFeed } from './EventFeed.js';
import { FlagPanel } from './FlagPanel.js';
import { MinuteChart } from './MinuteChart.js';
import { ServiceTable } from './ServiceTable.js';

export interface AppProps {
  readonly client: TablecastClient;
  readonly topics: Record<string, string>;
}

export function App({ client, topics }: AppProps) {
  const betaBanner = useFlag('beta-banner', false);
  return (
    <div className="page">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span className="brand-name">tablecast</span>
          <span className="brand-sub">live dashboard</span>
        </div>
        <div className="status-row">
          <TableBadge name={FLAGS_TABLE} />
          <TableBadge name={SERVICES_TABLE} />
          <ConnectionPill client={client} />
        </div>
      </header>
      {betaBanner && (
        <div className="banner" data-testid="beta-banner">
          <strong>Beta</strong> This banner is the <code>beta-banner</code> flag, read with{' '}
          <code>useFlag</code>. Toggle it off in the panel.
        </div>
      )}
      <main className="grid">
        <div className="side">
          <FlagPanel />
          <ChangeChart client={client} />
          <EventFeed />
          <MinuteChart />
        </div>
        <ServiceTable />
      </main>
      <footer className="footer">
        Kafka topics <code>{topics[FLAGS_TABLE] ?? FLAGS_TABLE}</code> and{' '}
        <code>{topics[SERVICES_TABLE] ?? SERVICES_TABLE}</code>, materialized by a bridge and
        streamed over one WebSocket.
      </footer>
    </div>
  );
}

const CONNECTION_LABELS = {
  connecting: 'Connecting',
  open: 'Live',
  reconnecting: 'Reconnecting',
  closed: 'Closed',
  failed: 'Not a tablecast bridge',
} as const;

function ConnectionPill({ client }: { readonly client: TablecastClient }) {
  const state = useSyncExternalStore(
    (onChange) => client.onConnection(onChange),
    () => client.connection,
  );
  return (
    <span className={`pill conn-${state}`} data-testid="connection" data-state={state}>
      <span className="dot" aria-hidden="true" />
      {CONNECTION_LABELS[state]}
    </span>
  );
}

function TableBadge({ name }: { readonly name: string }) {
  const { status, error } = useTable(name);
  return (
    <span
      className={`badge status-${status}`}
      data-table-status={name}
      data-state={status}
      title={error ?? `${name}: ${status}`}
    >
      <span className="badge-name">{name}</span>
      <span className="badge-state">{status.replace('_', ' ')}</span>
    </span>
  );
}
