import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridge } from '../server/src/bridge/create-bridge.js';
import type { KafkaTable } from '../server/src/kafka-table.js';
import { codecs } from '../shared/src/codecs/index.js';
import { Cleanup, connectProducer, liveTopic, produce, testKafka } from '../test/fixtures.js';
import { brokers } from '../test/kafka.js';
import { type Browser, launchBrowser } from './browser.js';
import { servePage } from './page-server.js';

// A big table loaded in real Chromium: the snapshot is applied part by part across the page's
// tasks, and the map users see switches from the old one to the new one at snapshot-end only
// (I1). How fast, and how long the page's tasks are, is the initial-load benchmark's business.

const KEYS = 20_000;
const PAD = 'x'.repeat(200);
const quiet = { warn: () => {}, error: () => {} };
const cleanup = new Cleanup();
let browser: Browser;
let pageUrl: string;
let bridgeUrl: string;

beforeAll(async () => {
  const { table, topic } = await liveTopic(cleanup, 'e2e-large');
  const producer = await connectProducer(testKafka(brokers()), cleanup);
  const superjson = codecs.superjson();
  // In batches under the broker's message size limit (1 MB).
  for (let from = 0; from < KEYS; from += 2_000) {
    await produce(
      producer,
      topic,
      Array.from({ length: 2_000 }, (_, i) => ({
        key: `k${from + i}`,
        value: Buffer.from(superjson.encode({ i: from + i, pad: PAD })),
      })),
    );
  }
  expect(await table.barrier(30_000)).toBe(true);
  expect(table.size).toBe(KEYS);
  const bridge = cleanup.add(
    createBridge({ tables: { big: table as KafkaTable<unknown> }, logger: quiet }),
    (b) => b.close({ graceMs: 100 }),
  );
  bridgeUrl = (await bridge.listen()).url;
  const page = cleanup.add(
    await servePage(fileURLToPath(new URL('pages/large-snapshot-page.ts', import.meta.url))),
    (p) => p.close(),
  );
  pageUrl = page.url;
  browser = cleanup.add(await launchBrowser(), (b) => b.close());
}, 120_000);

afterAll(() => cleanup.dispose());

interface LoadResult {
  caughtUp: boolean;
  batches: number;
  parts: number;
  partTasks: number;
  samples: Array<{ parts: number; old: boolean; size: number }>;
  size: number;
  hasOld: boolean;
  last: unknown;
}

describe('a large snapshot in real Chromium', () => {
  it('I1: is applied across several tasks while the page keeps showing the old map, then switches at once', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(pageUrl);
    await page.waitForFunction(() => 'loadLarge' in globalThis);
    const result = await page.evaluate(
      ([url]) =>
        (
          globalThis as unknown as {
            loadLarge: (u: string, t: string, ms: number) => Promise<LoadResult>;
          }
        ).loadLarge(url, 'big', 60_000),
      [bridgeUrl] as const,
    );
    await page.close();
    expect(errors).toEqual([]);
    expect(result.caughtUp).toBe(true);
    // Default parts of 1,000 entries.
    expect(result.parts).toBe(KEYS / 1_000);
    expect(result.partTasks).toBeGreaterThan(1);
    // Every task before the switch saw the bootstrap's map, the same object, untouched...
    const before = result.samples.filter((s) => s.old);
    expect(before.every((s) => s.size === 1)).toBe(true);
    // ...including tasks that ran while the snapshot was half received (parts applied, not shown).
    expect(before.some((s) => s.parts > 0 && s.parts < result.parts)).toBe(true);
    // The first task that saw anything else saw the whole new table: never a partial map.
    const after = result.samples.filter((s) => !s.old);
    expect(after).toHaveLength(1);
    expect(after[0]!.size).toBe(KEYS);
    expect(result.batches).toBe(1);
    expect(result.size).toBe(KEYS);
    expect(result.hasOld).toBe(false);
    expect(result.last).toEqual({ i: KEYS - 1, pad: PAD });
  }, 120_000);
});
