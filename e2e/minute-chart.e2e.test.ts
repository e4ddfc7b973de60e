// The per-minute chart in real Chromium: its bars are the rows of the bridge's windowed aggregate
// (registry writes per minute by status, computed in the bridge), and they grow as records land.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CHANGES_PER_MINUTE_TABLE,
  type MinuteRow,
  type Service,
  seedServices,
} from '../demo/data.js';
import { type DemoServer, startDemoServer } from '../demo/server/demo-server.js';
import { codecs, KafkaTableWriter, type Logger } from '../server/src/index.js';
import { brokers, uniqueTopic } from '../test/kafka.js';
import { type Browser, launchBrowser } from './browser.js';

const WAIT = { timeout: 20_000, interval: 100 };
const quiet: Logger = { warn: () => {}, error: () => {} };

let demo: DemoServer;
let browser: Browser;
let writer: KafkaTableWriter<Service>;
const pageErrors: string[] = [];

beforeAll(async () => {
  [demo, browser] = await Promise.all([
    startDemoServer({
      brokers: brokers(),
      flagsTopic: uniqueTopic('e2e-minute-flags'),
      servicesTopic: uniqueTopic('e2e-minute-services'),
      assetsDir: inject('dashboardDir'),
      writer: false,
      logger: quiet,
    }),
    launchBrowser(),
  ]);
  writer = new KafkaTableWriter({
    brokers: brokers(),
    topic: demo.servicesTopic,
    valueCodec: codecs.json<Service>(),
    logger: quiet,
  });
  await writer.start();
});

afterAll(async () => {
  await browser?.close();
  await writer?.stop();
  await demo?.close();
  expect(pageErrors).toEqual([]);
});

/** Per minute (ISO start), the changes the bridge's table holds, summed over the statuses. */
async function bridgeMinutes(): Promise<Record<string, number>> {
  const response = await fetch(`${demo.url}tables/${CHANGES_PER_MINUTE_TABLE}`);
  const { data } = (await response.json()) as { data: Record<string, MinuteRow> };
  const minutes: Record<string, number> = {};
  for (const row of Object.values(data)) {
    const start = new Date(row.start).toISOString();
    minutes[start] = (minutes[start] ?? 0) + row.changes;
  }
  return minutes;
}

/** Per minute (ISO start), the changes the page's chart draws; minutes without any left out. */
function chartMinutes(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<SVGGElement>('[data-testid=minute-chart] g[data-minute]')]
        .map((g) => [g.dataset.minute!, Number(g.dataset.changes)] as const)
        .filter(([, changes]) => changes > 0),
    ),
  );
}

const total = (minutes: Record<string, number>) =>
  Object.values(minutes).reduce((a, b) => a + b, 0);

describe('the per-minute chart', () => {
  it("draws the bridge's windowed counts and updates when new registry records arrive", async () => {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(demo.url);
    // The seed wrote one record per service.
    const seeded = seedServices(0).length;
    await expect.poll(async () => total(await chartMinutes(page)), WAIT).toBe(seeded);
    expect(await chartMinutes(page)).toEqual(await bridgeMinutes());

    const services = seedServices(Date.now()).slice(0, 7);
    for (const service of services) {
      await writer.set(service.name, { ...service, status: 'down', updatedAt: Date.now() });
    }
    await expect.poll(async () => total(await chartMinutes(page)), WAIT).toBe(seeded + 7);
    expect(await chartMinutes(page)).toEqual(await bridgeMinutes());
    // The new writes are all `down`: the chart stacks a red part for them.
    expect(await page.locator('[data-testid=minute-chart] .bar-down').count()).toBeGreaterThan(0);
    await page.close();
  });
});
