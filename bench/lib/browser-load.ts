/**
 * Runs bench/browser/initial-load-page.ts in real Chromium (the e2e tests' launcher): the client
 * library bundled for the browser by esbuild, served from loopback, one fresh browser profile
 * per run.
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { launchBrowser } from '../../e2e/browser.js';
import { servePage } from '../../e2e/page-server.js';
import { startChromeTrace } from './chrome-trace.js';
import { repoRoot } from './results.js';

export interface BrowserLoadResult {
  readonly ok: boolean;
  readonly status: string;
  readonly seconds: number;
  readonly connectSeconds: number | null;
  readonly firstSnapshotFrameSeconds: number | null;
  readonly lastFrameSeconds: number | null;
  /** When the socket's own snapshot ended (over HTTP: the resume after the HTTP snapshot). */
  readonly socketSnapshotEndSeconds: number | null;
  /**
   * The page's main thread over the run (Chrome's Performance.getMetrics): time in tasks, and
   * in script within them (the rest is the browser's own work, such as reading the socket).
   */
  readonly mainThreadTaskMs: number;
  readonly mainThreadScriptMs: number;
  readonly size: number;
  readonly frames: number;
  readonly bytes: number;
  readonly longTasks: ReadonlyArray<{ readonly startMs: number; readonly durationMs: number }>;
}

/** Which page function a run calls (bench/browser/initial-load-page.ts). */
export type LoadPage = 'tablecast' | 'tablecast-http' | 'bare' | 'ws' | 'fetch';
const ENTRIES: Record<LoadPage, string> = {
  tablecast: 'runInitialLoad',
  'tablecast-http': 'runHttpLoad',
  bare: 'runBareLoad',
  ws: 'runWsTransport',
  fetch: 'runFetchTransport',
};

export interface BrowserLoader {
  /**
   * One load in a fresh browser: the client library (`page: 'tablecast'`; `'tablecast-http'`
   * with its first snapshot over HTTP, `httpSnapshots()`), the bare floor
   * (`'bare'`, against bench/lib/bare-snapshot-server.ts), or that server's bytes only received
   * (`'ws'`, `'fetch'`). With `cpuProfile`, the page's V8 CPU profile of the run is written to
   * that file; with `trace`, Chrome's trace of the run (main-thread tasks and V8's collector
   * phases, for bench/page-trace-report.ts).
   */
  run(
    wsUrl: string,
    table: string,
    timeoutMs: number,
    options?: {
      readonly page?: LoadPage;
      readonly cpuProfile?: string | undefined;
      readonly trace?: string | undefined;
    },
  ): Promise<BrowserLoadResult>;
  close(): Promise<void>;
}

export async function browserLoader(): Promise<BrowserLoader> {
  const pageServer = await servePage(
    path.join(repoRoot, 'bench', 'browser', 'initial-load-page.ts'),
    // Names kept, so the page's CPU profiles (--page-cpu-prof) read.
    { target: 'es2022', minifyWhitespace: true, minifySyntax: true },
  );
  const pageUrl = pageServer.url;
  return {
    async run(wsUrl, table, timeoutMs, options = {}) {
      const { cpuProfile, trace } = options;
      const entry = ENTRIES[options.page ?? 'tablecast'];
      const browser = await launchBrowser();
      try {
        const page = await browser.context.newPage();
        await page.goto(pageUrl);
        await page.waitForFunction((name) => name in globalThis, entry);
        const cdp = await browser.context.newCDPSession(page);
        await cdp.send('Performance.enable');
        const metrics = async () => {
          const { metrics } = await cdp.send('Performance.getMetrics');
          const of = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
          return { task: of('TaskDuration') * 1000, script: of('ScriptDuration') * 1000 };
        };
        if (cpuProfile !== undefined) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
          await cdp.send('Profiler.start');
        }
        const stopTrace = trace === undefined ? undefined : await startChromeTrace(cdp);
        const before = await metrics();
        const result = await page.evaluate(
          ([fn, url, name, ms]) =>
            (
              globalThis as unknown as Record<
                string,
                (
                  u: string,
                  t: string,
                  m: number,
                ) => Promise<Omit<BrowserLoadResult, 'mainThreadTaskMs' | 'mainThreadScriptMs'>>
              >
            )[fn]!(url, name, ms),
          [entry, wsUrl, table, timeoutMs] as const,
        );
        const after = await metrics();
        if (cpuProfile !== undefined) {
          const { profile } = await cdp.send('Profiler.stop');
          await writeFile(cpuProfile, JSON.stringify(profile));
        }
        if (stopTrace && trace !== undefined) await writeFile(trace, await stopTrace());
        return {
          ...result,
          mainThreadTaskMs: after.task - before.task,
          mainThreadScriptMs: after.script - before.script,
        };
      } finally {
        await browser.close();
      }
    },
    close: () => pageServer.close(),
  };
}
