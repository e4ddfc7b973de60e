import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBridge } from '../../server/src/bridge/create-bridge.js';
import { testClient, untilMap } from '../../test/client-fixtures.js';
import { Cleanup, liveTopic } from '../../test/fixtures.js';
import { parseBootstrap } from './bootstrap.js';
import type { ClientOptions } from './client-options.js';
import { storageCache, type TableCache } from './table-cache.js';
import type { WebSocketLikeConstructor } from './websocket-like.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

async function served() {
  const { table, writer } = await liveTopic(cleanup, 'noflicker', 2);
  const bridge = cleanup.add(createBridge({ tables: { flags: table }, logger: quiet }), (b) =>
    b.close({ graceMs: 100 }),
  );
  const { url, port } = await bridge.listen({ port: 0 });
  return { table, writer, url, http: `http://127.0.0.1:${port}` };
}

/** `ws`, recording every frame each way, so a test can tell a resume from a reset. */
function recording() {
  const sent: Record<string, unknown>[] = [];
  const received: Record<string, unknown>[] = [];
  class Recording extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.addEventListener('message', (event) => {
        received.push(JSON.parse(String(event.data)) as Record<string, unknown>);
      });
    }
    override send(data: string): void {
      sent.push(JSON.parse(data) as Record<string, unknown>);
      super.send(data);
    }
  }
  return { WebSocket: Recording as unknown as WebSocketLikeConstructor, sent, received };
}

const client = (url: string, extra: Partial<ClientOptions> = {}) => testClient(cleanup, url, extra);

/** A Web Storage stand-in: a Map of strings, so entries go through JSON like localStorage. */
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

describe('no flicker against a real bridge', () => {
  it('a bootstrapped handle has the values synchronously, resumes, and gets later changes', async () => {
    const { table, writer, url, http } = await served();
    await writer.set('checkout', { on: true, since: new Date(0) });
    await writer.set('dark', { on: false });
    await table.barrier(10_000);
    // What the page's server does: read the table over HTTP and embed it.
    const bootstrap = parseBootstrap(
      await (await fetch(`${http}/tables/flags?format=bootstrap`)).text(),
    );
    // The table moves on between the server render and the browser's subscribe.
    await writer.set('new', { on: true });
    await table.barrier(10_000);

    const rec = recording();
    const { client: c, errors } = client(url, { WebSocket: rec.WebSocket });
    const flags = c.table<{ on: boolean; since?: Date }>('flags', { bootstrap });
    expect(flags.get('checkout')).toEqual({ on: true, since: new Date(0) });
    expect(flags.size).toBe(2);
    expect(flags.status).toBe('caught_up');

    await untilMap(flags, (m) => m.has('new'));
    expect(rec.sent.find((m) => m.type === 'subscribe')).toMatchObject({
      table: 'flags',
      position: bootstrap.position,
    });
    const begins = rec.received.filter((m) => m.type === 'snapshot-begin');
    expect(begins.map((m) => m.mode)).toEqual(['resume']);
    // Only the change travelled, not the table.
    const parts = rec.received.filter((m) => m.type === 'snapshot-part');
    expect(parts.flatMap((m) => (m.sets as [string][]).map(([key]) => key))).toEqual(['new']);
    expect(flags.status).toBe('caught_up');

    await writer.set('dark', { on: true });
    await untilMap(flags, (m) => m.get('dark')?.on === true);
    expect(errors).toEqual([]);
  });

  it('a second client paints from the cache, then catches up with what changed meanwhile', async () => {
    const { table, writer, url } = await served();
    await writer.set('a', 1);
    await writer.set('b', 2);
    await table.barrier(10_000);
    const storage = memoryStorage();

    const first = client(url, { cache: storageCache(storage) });
    const t1 = first.client.table<number>('flags');
    expect(await t1.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
    first.client.close(); // saves the entry
    expect(storage.items.size).toBe(1);

    await writer.set('b', 20);
    await writer.delete('a');
    await writer.set('c', 3);
    await table.barrier(10_000);

    const rec = recording();
    const second = client(url, { cache: storageCache(storage), WebSocket: rec.WebSocket });
    const t2 = second.client.table<number>('flags');
    // Painted at once from the cache; not claimed caught up on cached data alone.
    expect(Object.fromEntries(t2.getSnapshot())).toEqual({ a: 1, b: 2 });
    expect(t2.status).toBe('loading');
    expect(await t2.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
    expect(Object.fromEntries(t2)).toEqual({ b: 20, c: 3 });
    expect(rec.received.filter((m) => m.type === 'snapshot-begin').map((m) => m.mode)).toEqual([
      'resume',
    ]);
    expect(second.errors).toEqual([]);
  });

  it('an asynchronous cache (IndexedDB-like) is waited for, and the subscribe resumes', async () => {
    const { table, writer, url } = await served();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const storage = memoryStorage();
    const sync = storageCache(storage);
    const slow: TableCache = {
      load: async (key) => {
        // A load that settles on a later turn, as IndexedDB's do.
        await new Promise((resolve) => setImmediate(resolve));
        return sync.load(key);
      },
      save: async (key, entry) => sync.save(key, entry),
    };
    const first = client(url, { cache: slow });
    await first.client.table('flags').whenCaughtUp({ timeoutMs: 10_000 });
    first.client.close();
    await writer.set('b', 2);
    await table.barrier(10_000);

    const rec = recording();
    const second = client(url, { cache: slow, WebSocket: rec.WebSocket });
    const t = second.client.table<number>('flags');
    await untilMap(t, (m) => m.get('b') === 2);
    expect(rec.sent.find((m) => m.type === 'subscribe')).toHaveProperty('position');
    expect(rec.received.find((m) => m.type === 'snapshot-begin')?.mode).toBe('resume');
  });
});
