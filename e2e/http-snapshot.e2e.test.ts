import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridge } from '../server/src/bridge/create-bridge.js';
import type { KafkaTable } from '../server/src/kafka-table.js';
import type { KafkaTableWriter } from '../server/src/kafka-table-writer.js';
import { codecs } from '../shared/src/codecs/index.js';
import { Cleanup, connectProducer, liveTopic, produce, testKafka } from '../test/fixtures.js';
import { brokers } from '../test/kafka.js';
import { type Browser, launchBrowser } from './browser.js';
import { servePage } from './page-server.js';

// First snapshots over HTTP in real Chromium, from a page on another origin than the bridge:
// the browser's own fetch and CORS, then the socket's resume. How much faster than the socket
// is the initial-load benchmark's business.

const KEYS = 5_000;
const quiet = { warn: () => {}, error: () => {} };
const cleanup = new Cleanup();
let browser: Browser;
let pageUrl: string;
let bridgeUrl: string;
let writer: KafkaTableWriter<unknown>;
/** Answers any GET with a well-formed snapshot body, but without CORS headers. */
let noCors: string;

beforeAll(async () => {
  const topic = await liveTopic(cleanup, 'e2e-http-snapshot');
  writer = topic.writer;
  const producer = await connectProducer(testKafka(brokers()), cleanup);
  const superjson = codecs.superjson();
  await produce(
    producer,
    topic.topic,
    Array.from({ length: KEYS }, (_, i) => ({
      key: `k${i}`,
      value: Buffer.from(superjson.encode({ i, pad: 'x'.repeat(100) })),
    })),
  );
  expect(await topic.table.barrier(30_000)).toBe(true);
  const page = cleanup.add(
    await servePage(fileURLToPath(new URL('pages/http-snapshot-page.ts', import.meta.url))),
    (p) => p.close(),
  );
  pageUrl = page.url;
  const bridge = cleanup.add(
    createBridge({
      tables: { big: topic.table as KafkaTable<unknown> },
      // The page's origin, and only it: sockets and table reads alike.
      allowedOrigins: [new URL(pageUrl).origin],
      logger: quiet,
    }),
    (b) => b.close({ graceMs: 100 }),
  );
  bridgeUrl = (await bridge.listen()).url;
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    response.end(
      '{"type":"snapshot-begin","sub":"http","table":"big","mode":"reset"}\n' +
        '{"type":"snapshot-end","sub":"http","position":{"topicId":"x","offsets":[]},"status":"caught_up"}\n',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(server, (s) => new Promise<void>((resolve) => s.close(() => resolve())));
  noCors = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = cleanup.add(await launchBrowser(), (b) => b.close());
}, 120_000);

afterAll(() => cleanup.dispose());

interface Loaded {
  caughtUp: boolean;
  size: number;
  sample: unknown;
}
interface SocketState {
  modes: string[];
  errors: string[];
  live: unknown;
  size: number;
}

async function load(httpUrl: string | null): Promise<{ page: Page; loaded: Loaded }> {
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'loadOverHttp' in globalThis);
  const loaded = await page.evaluate(
    ([url, http]) =>
      (
        globalThis as unknown as {
          loadOverHttp: (u: string, t: string, h: string | null) => Promise<Loaded>;
        }
      ).loadOverHttp(url, 'big', http),
    [bridgeUrl, httpUrl] as const,
  );
  expect(pageErrors).toEqual([]);
  return { page, loaded };
}

const socketState = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { socketState: () => SocketState }).socketState());

describe('first snapshots over HTTP in real Chromium', () => {
  it('load cross-origin through CORS, then the socket resumes and stays live', async () => {
    const { page, loaded } = await load(null);
    expect(loaded).toEqual({ caughtUp: true, size: KEYS, sample: { i: 7, pad: 'x'.repeat(100) } });
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { socketState: () => SocketState }).socketState().modes.length ===
        1,
    );
    await writer.set('late', { i: -1 });
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { socketState: () => SocketState }).socketState().live !== null,
    );
    expect(await socketState(page)).toEqual({
      modes: ['resume'],
      errors: [],
      live: { i: -1 },
      size: KEYS + 1,
    });
    await page.close();
  }, 60_000);

  it('load over the socket, with one HTTP_SNAPSHOT error, when the browser refuses the answer (no CORS)', async () => {
    const { page, loaded } = await load(noCors);
    expect(loaded.caughtUp).toBe(true);
    expect(loaded.size).toBeGreaterThanOrEqual(KEYS);
    const state = await socketState(page);
    expect(state.modes).toEqual(['reset']);
    expect(state.errors).toHaveLength(1);
    expect(state.errors[0]).toMatch(/^HTTP_SNAPSHOT: Table "big" could not load/);
    await page.close();
  }, 60_000);
});
