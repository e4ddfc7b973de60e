import { createClient, indexedDbCache, parseBootstrap } from 'tablecast/client';

// On the server that renders the page: read the table with its position, to embed in the page.
export async function flagsBootstrap(bridgeHttp: string): Promise<unknown> {
  const response = await fetch(`${bridgeHttp}/tables/flags?format=bootstrap`);
  return response.json();
}

// In the browser: data and status before the first render, then a resume from that position.
const embeddedJson = document.getElementById('flags-bootstrap')?.textContent ?? 'null';
const client = createClient({
  url: 'wss://bridge.example.com',
  cache: indexedDbCache(), // or storageCache(localStorage)
});
const flags = client.table('flags', { bootstrap: parseBootstrap(embeddedJson) });
console.log(flags.status); // 'caught_up' at once if the bootstrap was taken caught up
