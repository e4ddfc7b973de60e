// The dashboard's live event feed in real Chromium: a stream table over the registry topic,
// read with useStream, shows a registry write as its newest event.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Service, seedServices } from '../demo/data.js';
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
  const servicesTopic = uniqueTopic('e2e-feed-services');
  [demo, browser] = await Promise.all([
    startDemoServer({
      brokers: brokers(),
      flagsTopic: uniqueTopic('e2e-feed-flags'),
      servicesTopic,
      assetsDir: inject('dashboardDir'),
      writer: false,
      logger: quiet,
    }),
    launchBrowser(),
  ]);
  writer = new KafkaTableWriter({
    brokers: brokers(),
    topic: servicesTopic,
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

/** The feed's events as shown, newest first: [row id, key]. */
function feed(page: Page): Promise<Array<[string, string]>> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid=event-feed] [data-event]')].map(
      (el) => [el.dataset.event!, el.dataset.key!] as [string, string],
    ),
  );
}

describe('the dashboard event feed', () => {
  it('lists the registry writes newest first and shows a new write at the top', async () => {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(demo.url);
    const seeded = seedServices(0).length;
    await expect.poll(async () => (await feed(page)).length, WAIT).toBe(seeded);
    await expect
      .poll(() => page.locator('[data-table-status=events]').getAttribute('data-state'), WAIT)
      .toBe('caught_up');

    const service: Service = {
      ...seedServices(0)[0]!,
      name: 'feed-probe',
      version: '9.9.9',
      updatedAt: Date.now() + 60_000,
    };
    await writer.set(service.name, service);
    await expect.poll(async () => (await feed(page))[0]?.[1], WAIT).toBe('feed-probe');
    expect(await feed(page)).toHaveLength(seeded + 1);
    expect(await page.locator('[data-testid=event-feed] li').first().textContent()).toContain(
      'v9.9.9',
    );
    await page.close();
  });
});
