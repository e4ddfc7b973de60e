import type { BridgeStats, HostileSettings } from './hostile-settings.js';
import { keyName, keyWidth } from './lib/data.js';
import { sleep } from './lib/lifecycle.js';
import { rawUpgrade, textFrame } from './lib/raw-ws.js';
import type { Worker } from './lib/worker.js';

type Filter = Record<string, unknown> | undefined;

/** Filters that each cover the whole table, all different: the worst a client can ask for. */
function wholeTableFilters(keys: number, count: number): Filter[] {
  const key = keyName(0, keyWidth(keys));
  const prefixes = Array.from({ length: key.length - 1 }, (_, i) => key.slice(0, i + 1)).filter(
    (p) => p.length <= 5,
  ); // 'k' … 'key-0': every key starts with them
  const all = Array.from({ length: keys }, (_, i) => keyName(i, keyWidth(keys)));
  const filters: Filter[] = [undefined, ...prefixes.map((prefix) => ({ prefix }))];
  // Then key lists of 2,000 keys (a ~30 KB frame, under the 64 KiB inbound limit), each a
  // different slice of the table.
  for (let i = 0; filters.length < count; i++) {
    const from = (i * 2_000) % keys;
    filters.push({ keys: all.slice(from, from + 2_000) });
  }
  return filters.slice(0, count);
}

/** What the subscriptions would cost if every snapshot were written at once. */
function unboundedBytes(filters: readonly Filter[], keys: number, valueBytes: number): number {
  const perKey = valueBytes + 30;
  return filters.reduce<number>((sum, f) => sum + (f && 'keys' in f ? 2_000 : keys) * perKey, 0);
}

export type StalledResult = Awaited<ReturnType<typeof stalledSockets>>;

/**
 * Stalled sockets: raw TCP clients do the upgrade, subscribe `subsPerSocket` times each and
 * never read, until the bridge stops writing. The bridge's RSS growth per socket, next to its
 * per-socket budget and to what the subscriptions would cost unbounded.
 */
export async function stalledSockets(url: string, bridge: Worker, settings: HostileSettings) {
  const { keys, valueBytes, sockets, subsPerSocket, budget, table, cleanups } = settings;
  const base = await bridge.request<BridgeStats>({ type: 'stats', gc: true }, 'stats', 30_000);
  const filters = wholeTableFilters(keys, subsPerSocket);
  const held = [];
  for (let s = 0; s < sockets; s++) {
    const socket = await rawUpgrade(url);
    cleanups.add('close stalled socket', async () => {
      socket.destroy();
    });
    for (const [i, filter] of filters.entries()) {
      const message = {
        type: 'subscribe',
        sub: `s${i}`,
        table,
        ...(filter ? { filter } : {}),
      };
      socket.write(textFrame(JSON.stringify(message)));
    }
    held.push(socket);
  }
  // Until the bridge stops writing: every socket has filled its budget and waits.
  let last = -1;
  let stats = base;
  for (let i = 0; i < 60; i++) {
    await sleep(1_000);
    stats = await bridge.request<BridgeStats>({ type: 'stats', gc: true }, 'stats', 30_000);
    if (stats.bytesSent === last) break;
    last = stats.bytesSent;
  }
  for (const socket of held) socket.destroy();
  const growth = stats.rss - base.rss;
  return {
    sockets,
    subsPerSocket,
    budgetBytes: budget,
    rssBeforeBytes: base.rss,
    rssAfterBytes: stats.rss,
    rssGrowthBytes: growth,
    rssGrowthPerSocketBytes: growth / sockets,
    bytesSentPerSocket: (stats.bytesSent - base.bytesSent) / sockets,
    unboundedBytesPerSocket: unboundedBytes(filters, keys, valueBytes),
  };
}
