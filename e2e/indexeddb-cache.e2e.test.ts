import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKey } from '../client/src/cache-entry.js';
import type * as ClientApi from '../client/src/index.js';
import { createBridge } from '../server/src/bridge/create-bridge.js';
import { KafkaTable } from '../server/src/kafka-table.js';
import { KafkaTableWriter } from '../server/src/kafka-table-writer.js';
import { codecs } from '../shared/src/codecs/index.js';
import { Cleanup } from '../test/fixtures.js';
import { brokers, uniqueTopic } from '../test/kafka.js';
import { type Browser, launchBrowser } from './browser.js';
import { servePage } from './page-server.js';

// The IndexedDB cache in the browser it is for: a real Chromium profile keeps the table between
// page loads, a reload paints it before the bridge answers, and a damaged entry is thrown away.

type PageApi = Pick<typeof ClientApi, 'createClient' | 'indexedDbCache'>;

const quiet = { warn: () => {}, error: () => {} };
const cleanup = new Cleanup();
let browser: Browser;
let pageUrl: string;
let bridgeUrl: string;
let writer: KafkaTableWriter<number>;

beforeAll(async () => {
  const topic = uniqueTopic('idb');
  const options = { brokers: brokers(), topic, valueCodec: codecs.json<number>(), logger: quiet };
  const table = cleanup.add(new KafkaTable(options), (t) => t.stop());
  writer = cleanup.add(new KafkaTableWriter(options), (w) => w.stop());
  await table.start();
  await writer.start();
  await writer.set('a', 1);
  await writer.set('b', 2);
  await table.barrier(10_000);
  const bridge = cleanup.add(
    createBridge({ tables: { flags: table as KafkaTable<unknown> }, logger: quiet }),
    (b) => b.close({ graceMs: 100 }),
  );
  bridgeUrl = (await bridge.listen()).url;
  const page = cleanup.add(
    await servePage(fileURLToPath(new URL('pages/cache-page.ts', import.meta.url))),
    (p) => p.close(),
  );
  pageUrl = page.url;
  browser = cleanup.add(await launchBrowser(), (b) => b.close());
}, 90_000);

afterAll(() => cleanup.dispose());

async function openPage(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'tablecast' in globalThis);
  return page;
}

/** In the page: a client with the IndexedDB cache; resolves with what the handle shows. */
function load(page: Page, url: string, until: 'caught_up' | 'painted') {
  return page.evaluate(
    async ([url, until]) => {
      const { createClient, indexedDbCache } = (globalThis as unknown as { tablecast: PageApi })
        .tablecast;
      const errors: string[] = [];
      const client = createClient({
        url,
        cache: indexedDbCache({ dbName: 'tablecast-e2e' }),
        onError: (error) => errors.push(error.code),
        backoff: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
      });
      const flags = client.table('flags');
      if (until === 'caught_up') await flags.whenCaughtUp({ timeoutMs: 10_000 });
      else await new Promise((resolve) => setTimeout(resolve, 1_000));
      const shown = { map: Object.fromEntries(flags.entries()), status: flags.status, errors };
      client.close(); // saves the cache
      await new Promise((resolve) => setTimeout(resolve, 100));
      return shown;
    },
    [url, until] as const,
  );
}

describe('indexedDbCache in Chromium', () => {
  it('keeps a table across page loads and paints it before a bridge answers', async () => {
    const first = await openPage();
    expect(await load(first, bridgeUrl, 'caught_up')).toMatchObject({
      map: { a: 1, b: 2 },
      status: 'caught_up',
    });
    await first.close();
    // A new page of the same profile, pointed at an address where no bridge listens: the map
    // comes from IndexedDB alone, and the handle does not claim to be caught up.
    const second = await openPage();
    const painted = await load(second, 'ws://127.0.0.1:9/', 'painted');
    expect(painted.map).toEqual({ a: 1, b: 2 });
    expect(painted.status).not.toBe('caught_up');
    await second.close();
  });

  it('discards a damaged entry, reports it, and loads the table from the bridge instead', async () => {
    const page = await openPage();
    const key = cacheKey('flags', undefined);
    await page.evaluate(async (key) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('tablecast-e2e', 1);
        request.onupgradeneeded = () => request.result.createObjectStore('tables');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('tables', 'readwrite');
        tx.objectStore('tables').put({ version: 999, junk: true }, key);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    }, key);
    await writer.set('c', 3);
    const loaded = await load(page, bridgeUrl, 'caught_up');
    expect(loaded.map).toEqual({ a: 1, b: 2, c: 3 });
    expect(loaded.errors).toContain('CACHE');
    await page.close();
  });
});
