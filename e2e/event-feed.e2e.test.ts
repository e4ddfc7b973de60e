// The dashboard's live event feed in real Chromium: a stream table over the registry topic,
// read with useStream, shows a registry write as its newest event.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Service, seedServices } from '../demo/data.js';
import { demoBed } from './demo-bed.js';

const WAIT = { timeout: 20_000, interval: 100 };
const bed = demoBed('feed');

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
    const page = await bed.open();
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
    await bed.writer.set(service.name, service);
    await expect.poll(async () => (await feed(page))[0]?.[1], WAIT).toBe('feed-probe');
    expect(await feed(page)).toHaveLength(seeded + 1);
    expect(await page.locator('[data-testid=event-feed] li').first().textContent()).toContain(
      'v9.9.9',
    );
    await page.close();
  });
});
