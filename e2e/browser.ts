import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/**
 * The Chromium the e2e tests drive: `CHROMIUM_PATH` when set, else the distribution's
 * `/usr/bin/chromium` (Debian's `chromium` package; `.ci/run` installs it), else the browser
 * Playwright manages (`npx playwright install chromium`).
 */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH?.trim();
  if (fromEnv) return fromEnv;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined; // playwright-core's own download, if there is one
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // For a look inside the page's V8, e.g. TABLECAST_CHROMIUM_ARGS=--js-flags=--trace-gc-nvp with
  // DEBUG=pw:browser prints every collection's phases (docs/BENCHMARKS.md).
  ...(process.env.TABLECAST_CHROMIUM_ARGS?.split(' ').filter(Boolean) ?? []),
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile (its own --user-data-dir) per call, deleted on close. Loopback only. */
export async function launchBrowser(): Promise<Browser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'tablecast-e2e-chromium-'));
  const executablePath = chromiumPath();
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      ...(executablePath ? { executablePath } : {}),
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
      colorScheme: 'light',
      timeout: 60_000,
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
