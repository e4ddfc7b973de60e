import { createClient } from 'tablecast/client';
import { httpSnapshots } from 'tablecast/http';

// Each new table's first snapshot comes over HTTP while the socket connects; the socket then
// brings only what changed since. The bridge answers browsers of its allowedOrigins (CORS).
const client = createClient({
  url: 'wss://bridge.example.com/tablecast',
  snapshotSource: httpSnapshots(), // behind a path prefix: httpSnapshots({ url: 'https://…/bridge' })
});
export const registry = client.table('registry'); // caught_up once the HTTP snapshot is in
