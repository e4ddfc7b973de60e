import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import {
  createClient,
  parseBootstrap,
  storageCache,
  type TableBootstrap,
} from '../../client/src/index.js';
import { TablecastProvider } from '../../client/src/react/index.js';
import { FLAGS_TABLE, SERVICES_TABLE, type Service } from '../data.js';
import { App } from './App.js';
import './styles.css';

/** What the demo server embeds in the page. */
interface PageConfig {
  readonly ws?: string;
  readonly cache?: boolean;
  readonly topics?: Record<string, string>;
  readonly bootstrap?: Record<string, unknown>;
}

const config = JSON.parse(
  document.getElementById('tablecast-config')?.textContent || '{}',
) as PageConfig;
const wsPath = config.ws ?? '/ws';
const url = new URL(wsPath, location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';

const client = createClient({
  url: url.href,
  // A dashboard left open should come back within seconds of the bridge, not 30 s later.
  backoff: { maxDelayMs: 5_000 },
  // Opt-in persistence: a reload without a bootstrap paints the last tables at once.
  ...(config.cache === false ? {} : { cache: storageCache(localStorage, { prefix: 'tcdemo:' }) }),
  onError: (error) => console.warn(`[tablecast] ${error.code}: ${error.message}`),
});

function bootstrapOf(name: string): TableBootstrap | undefined {
  const raw = config.bootstrap?.[name];
  return raw === undefined ? undefined : parseBootstrap(raw);
}

// Taken before the first render and kept for the page's life: the hooks share these handles, so
// the first render already holds the bootstrap (or the cache), never an empty table.
const flagsBootstrap = bootstrapOf(FLAGS_TABLE);
const servicesBootstrap = bootstrapOf(SERVICES_TABLE);
client.table<boolean>(FLAGS_TABLE, flagsBootstrap ? { bootstrap: flagsBootstrap } : {});
client.table<Service>(SERVICES_TABLE, servicesBootstrap ? { bootstrap: servicesBootstrap } : {});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <TablecastProvider client={client}>
        <App client={client} topics={config.topics ?? {}} />
      </TablecastProvider>
    </StrictMode>,
  );
}
