import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { Service } from '../demo/data.js';
import { type DemoServer, startDemoServer } from '../demo/server/demo-server.js';
import { codecs, KafkaTableWriter, type Logger } from '../server/src/index.js';
import { brokers, uniqueTopic } from '../test/kafka.js';
import { type Browser, launchBrowser } from './browser.js';

const quiet: Logger = { warn: () => {}, error: () => {} };

export interface DemoBed {
  readonly demo: DemoServer;
  /** Writes to the demo's registry topic, as another service of the company would. */
  readonly writer: KafkaTableWriter<Service>;
  /** A new page on the dashboard; its uncaught errors fail the file. */
  open(): Promise<Page>;
}

/**
 * The demo server (seeded, its own writer off) on fresh topics named after `name`, real Chromium
 * and a registry writer, for one test file: started before its tests, stopped after them, and
 * the file fails if any page it opened threw.
 */
export function demoBed(name: string): DemoBed {
  let demo: DemoServer | undefined;
  let browser: Browser | undefined;
  let writer: KafkaTableWriter<Service> | undefined;
  const pageErrors: string[] = [];
  beforeAll(async () => {
    [demo, browser] = await Promise.all([
      startDemoServer({
        brokers: brokers(),
        flagsTopic: uniqueTopic(`e2e-${name}-flags`),
        servicesTopic: uniqueTopic(`e2e-${name}-services`),
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
  return {
    get demo() {
      return demo!;
    },
    get writer() {
      return writer!;
    },
    async open() {
      const page = await browser!.context.newPage();
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      await page.goto(demo!.url);
      return page;
    },
  };
}
