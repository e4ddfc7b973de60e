// The dashboard in real Chromium, against the real broker, a real bridge and the demo server:
// seeded data, writes both ways, the bootstrapped first frame, the cached reload, a bridge
// restart, and a screenshot for a human to look at (test-results/dashboard*.png).
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLAGS, type Service, seedServices } from '../demo/data.js';
import { type DemoServer, startDemoServer } from '../demo/server/demo-server.js';
import { startRegistryWriter } from '../demo/server/registry-writer.js';
import { codecs, KafkaTable, KafkaTableWriter, type Logger } from '../server/src/index.js';
import { brokers, uniqueTopic } from '../test/kafka.js';
import { type Browser, launchBrowser } from './browser.js';

const ARTIFACTS = 'test-results';
const WAIT = { timeout: 20_000, interval: 100 };

/** What the demo server, its bridge and the Kafka readers logged, printed when a test fails. */
const serverLines: string[] = [];
const keep =
  (level: string) =>
  (message: string, details?: Record<string, unknown>): void => {
    serverLines.push(
      `${new Date().toISOString()} ${level}: ${message}${details ? ` ${JSON.stringify(details)}` : ''}`,
    );
  };
// Bridge restarts and reconnects log on purpose: kept out of the output unless a test fails.
const quiet: Logger = process.env.TABLECAST_E2E_DEBUG
  ? { warn: (m, d) => console.warn(m, d ?? ''), error: (m, d) => console.error(m, d ?? '') }
  : { warn: keep('warn'), error: keep('error') };

let demo: DemoServer;
let browser: Browser;
let flagWriter: KafkaTableWriter<boolean>;
/** A reader of its own: what is in Kafka, independent of the demo server's tables. */
let flagReader: KafkaTable<boolean>;
const pageErrors: string[] = [];
/** The pages' console warnings and errors (the client's onError), printed when a test fails. */
const consoleLines: string[] = [];

beforeAll(async () => {
  const flagsTopic = uniqueTopic('e2e-flags');
  const servicesTopic = uniqueTopic('e2e-services');
  [demo, browser] = await Promise.all([
    startDemoServer({
      brokers: brokers(),
      flagsTopic,
      servicesTopic,
      assetsDir: inject('dashboardDir'),
      writer: false,
      logger: quiet,
    }),
    launchBrowser(),
  ]);
  flagWriter = new KafkaTableWriter({
    brokers: brokers(),
    topic: flagsTopic,
    valueCodec: codecs.json<boolean>(),
    logger: quiet,
  });
  flagReader = new KafkaTable({
    brokers: brokers(),
    topic: flagsTopic,
    valueCodec: codecs.json<boolean>(),
    logger: quiet,
  });
  await Promise.all([flagWriter.start(), flagReader.start()]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.allSettled([flagWriter?.stop(), flagReader?.stop()]);
  await demo?.close();
  expect(pageErrors).toEqual([]);
});

function watch(page: Page): void {
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') {
      consoleLines.push(`${new Date().toISOString()} ${message.type()}: ${message.text()}`);
    }
  });
}

afterEach((context) => {
  if (context.task.result?.state === 'fail') {
    if (consoleLines.length > 0) console.error(`browser console:\n${consoleLines.join('\n')}`);
    // Since the last failure: a table that failed while the suite started shows up here.
    if (serverLines.length > 0) console.error(`server log:\n${serverLines.join('\n')}`);
    serverLines.length = 0;
  }
  consoleLines.length = 0;
});

async function openPage(query = ''): Promise<Page> {
  const page = await browser.context.newPage();
  watch(page);
  await page.goto(`${demo.url}${query}`);
  await page.locator('[data-flag-state]').first().waitFor();
  return page;
}

/** The On/Off text of every flag on the page. */
function flagTexts(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('[data-flag-state]')].map((el) => [
        el.dataset.flagState!,
        el.textContent ?? '',
      ]),
    ),
  );
}

const attr = (page: Page, selector: string, name: string) =>
  page.locator(selector).getAttribute(name, { timeout: 5_000 });
const onOff = (value: boolean | undefined) => (value ? 'On' : 'Off');

/** Kafka's current flags, as the independent reader has them. */
async function kafkaFlags(): Promise<Record<string, string>> {
  expect(await flagReader.barrier(10_000)).toBe(true);
  return Object.fromEntries(FLAGS.map((f) => [f.key, onOff(flagReader.get(f.key))]));
}

/** Writes a flag and waits until the demo server's own table serves it. */
async function writeFlag(key: string, value: boolean): Promise<void> {
  await flagWriter.set(key, value);
  await expect
    .poll(async () => {
      const response = await fetch(`${demo.url}tables/flags/${key}`);
      return response.ok ? ((await response.json()) as { value: boolean }).value : undefined;
    }, WAIT)
    .toBe(value);
}

describe('the demo dashboard', () => {
  it('shows the seeded flags and service registry', async () => {
    const page = await openPage();
    const seeded = Object.fromEntries(FLAGS.map((f) => [f.key, onOff(f.initial)]));
    expect(await flagTexts(page)).toEqual(seeded);
    await expect
      .poll(() => attr(page, '[data-testid=connection]', 'data-state'), WAIT)
      .toBe('open');
    for (const table of ['flags', 'services']) {
      await expect
        .poll(() => attr(page, `[data-table-status=${table}]`, 'data-state'), WAIT)
        .toBe('caught_up');
    }
    const rows = page.locator('tr[data-service]');
    expect(await rows.count()).toBe(20);
    const expected = seedServices(0);
    const first = expected[0]!;
    const row = page.locator(`tr[data-service="${first.name}"]`);
    expect(await row.getAttribute('data-status')).toBe(first.status);
    expect(await row.textContent()).toContain(`v${first.version}`);
    expect(await row.textContent()).toContain(`${first.latencyMs} ms`);
    expect(await page.locator('tr[data-status=degraded]').count()).toBe(
      expected.filter((s) => s.status === 'degraded').length,
    );
    await page.close();
  });

  it('shows a flag written to Kafka, and writes a flag toggled in the page to Kafka', async () => {
    const page = await openPage();
    await expect
      .poll(() => attr(page, '[data-testid=connection]', 'data-state'), WAIT)
      .toBe('open');
    // Kafka → page.
    const before = (await flagTexts(page))['search-v2'];
    await flagWriter.set('search-v2', before !== 'On');
    await expect
      .poll(async () => (await flagTexts(page))['search-v2'], WAIT)
      .toBe(before === 'On' ? 'Off' : 'On');

    // Page → Kafka through the bridge (handle.set over the WebSocket), read back by a table of
    // our own. The switch is busy while the write is in flight and flips from the live table.
    const key = 'recommendations';
    const was = (await flagTexts(page))[key];
    await page.locator(`[data-flag-toggle="${key}"]`).click();
    await expect.poll(async () => (await flagTexts(page))[key], WAIT).not.toBe(was);
    await expect
      .poll(() => attr(page, `[data-flag-toggle="${key}"]`, 'aria-busy'), WAIT)
      .toBe('false');
    const now = (await flagTexts(page))[key];
    expect(await page.locator(`[data-flag-toggle="${key}"]`).getAttribute('aria-checked')).toBe(
      String(now === 'On'),
    );
    await expect.poll(async () => (await kafkaFlags())[key], WAIT).toBe(now);
    await page.close();
  });

  it('paints the bootstrapped flag values in its first frame, before the socket opens', async () => {
    // A value that differs from the seed, so a default or a stale build could not pass.
    await writeFlag('beta-banner', true);
    await writeFlag('compact-rows', true);
    const expected = await kafkaFlags();

    const page = await browser.context.newPage();
    watch(page);
    // Hold the WebSocket: whatever the page paints until release comes from the HTML alone.
    const release = holdWebSockets(page);
    await page.addInitScript(recordFrames);
    await page.goto(demo.url);
    await page.waitForFunction(() => (window as unknown as FrameLog).__firstFrame !== undefined);
    const first = (await page.evaluate(() => (window as unknown as FrameLog).__firstFrame))!;
    expect(first.connection).not.toBe('open');
    expect(first.flags).toEqual(expected);
    expect(first.banner).toBe(true); // useFlag('beta-banner') with a caught-up bootstrap
    expect(first.compact).toBe(true);

    release();
    await expect
      .poll(() => attr(page, '[data-testid=connection]', 'data-state'), WAIT)
      .toBe('open');
    const history = await page.evaluate(() => (window as unknown as FrameLog).__history);
    // Every flag element only ever showed one value: no default-then-real flip.
    for (const [key, texts] of Object.entries(history)) {
      expect({ key, texts }).toEqual({ key, texts: [expected[key]] });
    }
    await page.close();
  });

  it('paints cached tables on a reload without a bootstrap, then catches up', async () => {
    const page = await openPage('?bootstrap=off');
    await expect
      .poll(() => attr(page, '[data-table-status=flags]', 'data-state'), WAIT)
      .toBe('caught_up');
    const shown = await flagTexts(page);
    expect(shown).toEqual(await kafkaFlags());
    // The client saves at most once a second; wait until the cache holds what is shown.
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const text = localStorage.getItem('tcdemo:["flags",null]');
            if (!text) return undefined;
            const entry = JSON.parse(text) as { sets: [string, [unknown]][] };
            return Object.fromEntries(entry.sets.map(([k, [v]]) => [k, v ? 'On' : 'Off']));
          }),
        WAIT,
      )
      .toEqual(shown);

    const release = holdWebSockets(page);
    await page.reload();
    await page.locator('[data-flag-state="search-v2"]').waitFor();
    // Painted from the cache while the socket is held: old values, status still loading.
    expect(await flagTexts(page)).toEqual(shown);
    expect(await attr(page, '[data-testid=connection]', 'data-state')).toBe('connecting');
    expect(await attr(page, '[data-table-status=flags]', 'data-state')).toBe('loading');
    expect(await page.locator('tr[data-service]').count()).toBe(20);

    // A change the page cannot have seen yet.
    const flipped = shown['search-v2'] === 'On' ? 'Off' : 'On';
    await flagWriter.set('search-v2', flipped === 'On');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await flagTexts(page))['search-v2']).toBe(shown['search-v2']);

    release();
    await expect.poll(async () => (await flagTexts(page))['search-v2'], WAIT).toBe(flipped);
    await expect
      .poll(() => attr(page, '[data-table-status=flags]', 'data-state'), WAIT)
      .toBe('caught_up');
    await page.close();
  });

  it('survives a bridge restart: reconnecting, data kept, then changes made meanwhile', async () => {
    const page = await openPage();
    await expect
      .poll(() => attr(page, '[data-testid=connection]', 'data-state'), WAIT)
      .toBe('open');
    const before = await flagTexts(page);
    const serviceRows = await page.locator('tr[data-service]').count();

    await demo.stopBridge();
    await expect
      .poll(() => attr(page, '[data-testid=connection]', 'data-state'), WAIT)
      .toBe('reconnecting');
    expect(await flagTexts(page)).toEqual(before);
    expect(await page.locator('tr[data-service]').count()).toBe(serviceRows);

    // Written while the page has no bridge.
    const flipped = before['new-checkout'] === 'On' ? 'Off' : 'On';
    await flagWriter.set('new-checkout', flipped === 'On');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await flagTexts(page))['new-checkout']).toBe(before['new-checkout']);

    await demo.startBridge();
    await expect
      .poll(() => attr(page, '[data-testid=connection]', 'data-state'), WAIT)
      .toBe('open');
    await expect.poll(async () => (await flagTexts(page))['new-checkout'], WAIT).toBe(flipped);
    await expect
      .poll(() => attr(page, '[data-table-status=flags]', 'data-state'), WAIT)
      .toBe('caught_up');

    // And it is live again, not a one-off resync.
    await flagWriter.set('new-checkout', flipped !== 'On');
    await expect
      .poll(async () => (await flagTexts(page))['new-checkout'], WAIT)
      .toBe(before['new-checkout']);
    await page.close();
  });

  it('saves a screenshot of the dashboard while the registry changes', async () => {
    await writeFlag('compact-rows', false);
    const page = await openPage();
    await expect
      .poll(() => attr(page, '[data-testid=connection]', 'data-state'), WAIT)
      .toBe('open');
    const writer = new KafkaTableWriter<Service>({
      brokers: brokers(),
      topic: demo.servicesTopic,
      valueCodec: codecs.json<Service>(),
      logger: quiet,
    });
    await writer.start();
    const services = seedServices(Date.now());
    const registry = startRegistryWriter({ writer, services, intervalMs: 120, durationMs: 8_000 });
    try {
      await registry.done;
    } finally {
      await registry.stop();
      await writer.stop();
    }
    expect(registry.updates).toBeGreaterThan(20);
    // The chart counted them.
    await expect.poll(() => page.locator('.bar-services').count(), WAIT).toBeGreaterThan(3);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-dark.png`, fullPage: true });
    await page.close();
  });
});

/**
 * Holds every WebSocket the page opens from now on (it stays `connecting`) until the returned
 * function is called; then they connect to the real bridge and pass everything through.
 */
function holdWebSockets(page: Page): () => void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  void page.routeWebSocket(/\/ws$/, async (ws) => {
    await gate;
    ws.connectToServer();
  });
  return release;
}

interface FrameLog {
  __firstFrame?: {
    flags: Record<string, string>;
    connection: string | null;
    banner: boolean;
    compact: boolean;
  };
  __history: Record<string, string[]>;
}

/** Runs in the page before its scripts: records the first painted frame and every flag text. */
function recordFrames(): void {
  const log = window as unknown as FrameLog;
  log.__history = {};
  const read = () => {
    const flags: Record<string, string> = {};
    for (const el of document.querySelectorAll<HTMLElement>('[data-flag-state]')) {
      flags[el.dataset.flagState!] = el.textContent ?? '';
    }
    return flags;
  };
  const record = () => {
    for (const [key, text] of Object.entries(read())) {
      const texts = (log.__history[key] ??= []);
      if (texts[texts.length - 1] !== text) texts.push(text);
    }
  };
  new MutationObserver(record).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
  });
  // rAF callbacks run right before a frame is painted: the first one that finds the flags
  // sees exactly what the first painted frame shows.
  const frame = () => {
    const flags = read();
    if (Object.keys(flags).length === 0) {
      requestAnimationFrame(frame);
      return;
    }
    record();
    log.__firstFrame = {
      flags,
      connection:
        document.querySelector('[data-testid=connection]')?.getAttribute('data-state') ?? null,
      banner: document.querySelector('[data-testid=beta-banner]') !== null,
      compact: document.querySelector('table.compact') !== null,
    };
  };
  requestAnimationFrame(frame);
}
