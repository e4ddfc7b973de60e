// The per-minute chart in real Chromium: its bars are the rows of the bridge's windowed aggregate
// (registry writes per minute by status, computed in the bridge), and they grow as records land.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHANGES_PER_MINUTE_TABLE, type MinuteRow, seedServices } from '../demo/data.js';
import { demoBed } from './demo-bed.js';

const WAIT = { timeout: 20_000, interval: 100 };
const bed = demoBed('minute');

/** Per minute (ISO start), the changes the bridge's table holds, summed over the statuses. */
async function bridgeMinutes(): Promise<Record<string, number>> {
  const response = await fetch(`${bed.demo.url}tables/${CHANGES_PER_MINUTE_TABLE}`);
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
    const page = await bed.open();
    // The seed wrote one record per service.
    const seeded = seedServices(0).length;
    await expect.poll(async () => total(await chartMinutes(page)), WAIT).toBe(seeded);
    expect(await chartMinutes(page)).toEqual(await bridgeMinutes());

    const services = seedServices(Date.now()).slice(0, 7);
    for (const service of services) {
      await bed.writer.set(service.name, { ...service, status: 'down', updatedAt: Date.now() });
    }
    await expect.poll(async () => total(await chartMinutes(page)), WAIT).toBe(seeded + 7);
    expect(await chartMinutes(page)).toEqual(await bridgeMinutes());
    // The new writes are all `down`: the chart stacks a red part for them.
    expect(await page.locator('[data-testid=minute-chart] .bar-down').count()).toBeGreaterThan(0);
    await page.close();
  });
});
