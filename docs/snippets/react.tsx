import { createRoot } from 'react-dom/client';
import { createClient, parseBootstrap } from 'tablecast/client';
import { TablecastProvider, useFlag, useTable, useTableKey } from 'tablecast/react';

declare global {
  interface Window {
    /** What the page's server embedded: GET /tables/flags?format=bootstrap per table. */
    readonly __TABLECAST__?: { readonly flags?: unknown };
  }
}

interface Service {
  readonly status: string;
  readonly version: string;
}

const client = createClient({ url: 'wss://bridge.example.com' });
// Server-rendered pages embed the bootstrap; hydrate before rendering so the first paint
// shows the real values (see "No flicker"). The handle stays open for the page's lifetime.
const embedded = window.__TABLECAST__?.flags;
if (embedded !== undefined) client.table('flags', { bootstrap: parseBootstrap(embedded) });

function Checkout() {
  const newCheckout = useFlag('new-checkout', false); // never undefined; false until caught up
  return <button type="button">{newCheckout ? 'Pay (new)' : 'Pay'}</button>;
}

function Services() {
  const { data, status, error } = useTable<Service>('registry'); // one render per applied batch
  if (status === 'failed') return <p>Registry unavailable: {error}</p>;
  return (
    <ul>
      {[...data].map(([name, s]) => (
        <li key={name}>
          {name}: {s.status}
        </li>
      ))}
    </ul>
  );
}

function Version({ name }: { name: string }) {
  const service = useTableKey<Service>('registry', name); // re-renders only for this key
  return <span>{service?.version ?? '—'}</span>;
}

const App = () => (
  <TablecastProvider client={client} flagsTable="flags">
    <Checkout />
    <Services />
    <Version name="eu-west/checkout" />
  </TablecastProvider>
);

createRoot(document.getElementById('root')!).render(<App />);
