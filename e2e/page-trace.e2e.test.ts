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
    // Objects kept across tasks (survivors to copy), one task busy for 120 ms, then more tasks,
    // so the busy one is not the last thing the trace holds.
    await page.evaluate(
      `(async () => {
        const kept = [];
        const round = (n) => {
          for (let i = 0; i < 20000; i++) kept.push({ i, text: 'v' + i + '-' + n });
          return new Promise((resolve) => setTimeout(resolve, 0));
        };
        for (let n = 0; n < 20; n++) await round(n);
        await new Promise((resolve) => setTimeout(() => {
          console.timeStamp('busy');
          const end = performance.now() + 120;
          while (performance.now() < end) kept.length;
          resolve(kept.length);
        }, 0));
        for (let n = 20; n < 25; n++) await round(n);
      })()`,
    );
    const trace = readPageTrace(traceEvents(await stop()));
    await page.close();

    expect(trace.tasks).toBeGreaterThan(20);
    // Ours is the one with the mark in it; a busy machine may add long tasks of its own.
    const busy = trace.longTasks.find((task) => task.inside.some((e) => e.name === 'TimeStamp'));
    expect(
      busy,
      JSON.stringify(trace.longTasks.map((t) => [t.durationMs, t.inside.slice(0, 5)])),
    ).toBeDefined();
    expect(busy!.durationMs).toBeGreaterThanOrEqual(119);
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
