// A Node script (Node 20+, Deno, Bun). In a browser: the same, with your bridge's wss:// URL
// in place of the environment variables.
import process from 'node:process';
import { map } from 'rxjs';
import { createClient } from 'tablecast/client';
import { rx } from 'tablecast/rx';
import { signals } from 'tablecast/signals';

interface Service {
  readonly version: string;
  readonly healthy: boolean;
}

const client = createClient({
  url: process.env.TABLECAST_URL ?? 'ws://127.0.0.1:8080',
  token: async () => process.env.TABLECAST_TOKEN, // asked again on every reconnect
});
const registry = client.table<Service>('registry', { prefix: 'eu-west/' });

await registry.whenCaughtUp({ timeoutMs: 5_000 }); // true, or false on timeout — never hangs
const alerts = rx(registry)
  .table$.pipe(map((services) => [...services].filter(([, s]) => !s.healthy).map(([k]) => k)))
  .subscribe((unhealthy) => console.log('unhealthy:', unhealthy.join(', ')));

const flags = client.table<boolean>('flags', { default: () => false });
const checkout = signals(flags).key('new-checkout'); // notifies only when this key changes
await flags.whenCaughtUp({ timeoutMs: 5_000 });
console.log('new-checkout:', checkout.value);

alerts.unsubscribe();
client.close();
