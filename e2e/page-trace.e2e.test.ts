import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChromeTrace } from '../bench/lib/chrome-trace.js';
import { readPageTrace, traceEvents } from '../bench/lib/page-trace.js';
import { type Browser, launchBrowser } from './browser.js';

// The initial-load benchmark's page traces (`--page-trace`) are read by bench/lib/page-trace.ts:
// here on a trace Chromium wrote of a page that holds a long task and makes V8 collect.

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(() => browser?.close());

describe('page traces (bench/lib/page-trace.ts) from real Chromium', () => {
  it("finds the page's long task with its time on a CPU, and V8's collections with their pauses", async () => {
    const page = await browser.context.newPage();
    await page.goto('about:blank');
    const cdp = await browser.context.newCDPSession(page);
    const stop = await startChromeTrace(cdp);
    // Objects kept across tasks (survivors to copy), then one task busy for 120 ms.
    await page.evaluate(
      `(async () => {
        const kept = [];
        for (let round = 0; round < 20; round++) {
          for (let i = 0; i < 20000; i++) kept.push({ i, text: 'v' + i + '-' + round });
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        await new Promise((resolve) => setTimeout(() => {
          const end = performance.now() + 120;
          while (performance.now() < end) kept.length;
          resolve(kept.length);
        }, 0));
      })()`,
    );
    const trace = readPageTrace(traceEvents(await stop()));
    await page.close();

    expect(trace.tasks).toBeGreaterThan(20);
    const busy = trace.longTasks.find((task) => task.durationMs >= 115);
    expect(busy).toBeDefined();
    expect(trace.longestTaskMs).toBeGreaterThanOrEqual(busy!.durationMs);
    // Spinning, the thread was on a CPU for most of the task.
    expect(busy!.cpuMs).toBeGreaterThan(0);
    expect(busy!.cpuMs).toBeLessThanOrEqual(busy!.durationMs + 1);
    expect(busy!.inside.map((row) => row.name)).toContain('FunctionCall');

    const scavenges = trace.collections.filter((c) => c.kind === 'scavenge');
    expect(scavenges.length).toBeGreaterThan(0);
    for (const c of scavenges) {
      expect(c.pauseMs).toBeGreaterThan(0);
      expect(c.cpuMs).toBeGreaterThanOrEqual(0);
      expect(c.cpuMs).toBeLessThanOrEqual(c.pauseMs + 1);
    }
  }, 60_000);
});
