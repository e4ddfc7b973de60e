import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRuntime, RUNTIMES, type RuntimeName } from '../../scripts/runtimes/fetch-runtime.js';
import type { Bridge } from '../../server/src/bridge/bridge.js';
import { createBridge } from '../../server/src/bridge/create-bridge.js';
import { KafkaTable } from '../../server/src/kafka-table.js';
import { KafkaTableWriter } from '../../server/src/kafka-table-writer.js';
import { codecs } from '../../shared/src/codecs/index.js';
import { Cleanup } from '../fixtures.js';
import { brokers, uniqueTopic } from '../kafka.js';
import { CONSUMER_DIR, REPO_ROOT } from './consumer-project.js';
import { runToEnd } from './run-to-end.js';

// The README's client snippet, built from the published package, on every runtime the README
// names: the Node that runs the tests (20: no WebSocket of its own, so `ws`), Node 22 and 24
// (their own WebSocket), Deno and Bun. Each connects to a real bridge over the test broker,
// waits for caught_up and prints what it read; then loads a table's first snapshot over HTTP.

const quiet = { warn: () => {}, error: () => {} };
const cleanup = new Cleanup();
let bridgeUrl: string;
let snippet: string;
let httpScript: string;

/**
 * The flags table's first snapshot through the runtime's own fetch and streams
 * (`tablecast/http`), then its socket. Prints the value and any error (an HTTP_SNAPSHOT one
 * would mean it fell back to the socket).
 */
const HTTP_SCRIPT = `
import process from 'node:process';
import { createClient } from 'tablecast/client';
import { httpSnapshots } from 'tablecast/http';
const errors = [];
const client = createClient({
  url: process.env.TABLECAST_URL,
  snapshotSource: httpSnapshots(),
  onError: (error) => errors.push(error.code),
});
const flags = client.table('flags');
await flags.whenCaughtUp({ timeoutMs: 20000 });
console.log('new-checkout over HTTP:', flags.get('new-checkout'), 'errors:', errors.join(', '));
client.close();
`;

beforeAll(async () => {
  const topics = { registry: uniqueTopic('rt-registry'), flags: uniqueTopic('rt-flags') };
  const seed: Record<keyof typeof topics, [string, unknown][]> = {
    registry: [
      ['eu-west/checkout', { version: '1.4.0', healthy: true }],
      ['eu-west/search', { version: '2.0.1', healthy: false }],
      ['us-east/search', { version: '2.0.1', healthy: false }],
    ],
    flags: [['new-checkout', true]],
  };
  const tables: Record<string, KafkaTable<unknown>> = {};
  for (const [name, topic] of Object.entries(topics) as [keyof typeof topics, string][]) {
    const table = cleanup.add(
      new KafkaTable({ brokers: brokers(), topic, valueCodec: codecs.json(), logger: quiet }),
      (t) => t.stop(),
    );
    await table.start(); // creates the topic
    const writer = cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.json() }),
      (w) => w.stop(),
    );
    await writer.start();
    for (const [key, value] of seed[name]) {
      expect(await table.waitFor(await writer.set(key, value), 30_000)).toBe(true);
    }
    tables[name] = table;
  }
  const bridge: Bridge = cleanup.add(createBridge({ tables, logger: quiet }), (b) => b.close());
  bridgeUrl = (await bridge.listen({ port: 0, host: '127.0.0.1' })).url;
  // Type annotations stripped, nothing else: the imports resolve in the consumer project.
  const source = await readFile(new URL('docs/snippets/client.ts', REPO_ROOT), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' });
  snippet = join(CONSUMER_DIR, 'client-snippet.mjs');
  await writeFile(snippet, code);
  httpScript = join(CONSUMER_DIR, 'http-snapshot.mjs');
  await writeFile(httpScript, HTTP_SCRIPT);
});

afterAll(() => cleanup.dispose());

const expected = 'unhealthy: eu-west/search\nnew-checkout: true\n';

async function runSnippet(executable: string, args: readonly string[] = [], script = snippet) {
  const env = { ...process.env, TABLECAST_URL: bridgeUrl, NO_COLOR: '1' };
  return runToEnd(executable, [...args, script], { env, timeoutMs: 60_000 });
}

/** The bridge's count of HTTP snapshot bytes served so far. */
async function httpSnapshotBytes(): Promise<number> {
  const metrics = await (await fetch(`${bridgeUrl.replace(/^ws/, 'http')}/metrics`)).text();
  return Number(/^tablecast_http_snapshot_bytes_total\{[^}]+\} (\d+)$/m.exec(metrics)![1]);
}

/** The HTTP script on one runtime: it read the table over HTTP, with no error. */
async function runHttpScript(executable: string, args: readonly string[], label: string) {
  const before = await httpSnapshotBytes();
  const { code, stdout, stderr } = await runSnippet(executable, args, httpScript);
  expect({ code, stdout, stderr }, label).toEqual({
    code: 0,
    stdout: 'new-checkout over HTTP: true errors: \n',
    stderr: '',
  });
  expect(await httpSnapshotBytes(), label).toBeGreaterThan(before);
}

describe('the README client snippet, built, against a real bridge', () => {
  it(`runs on the Node running the tests (${process.version}), with no WebSocket passed`, async () => {
    const { code, stdout, stderr } = await runSnippet(process.execPath);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: expected, stderr: '' });
    await runHttpScript(process.execPath, [], process.version);
  });

  const others: [RuntimeName, readonly string[]][] = [
    ['node22', []],
    ['node24', []],
    ['deno', ['run', '--allow-all', '--quiet']],
    ['bun', ['run']],
  ];
  it.each(others)('runs on %s', async (name, args) => {
    const executable = await ensureRuntime(name);
    const { code, stdout, stderr } = await runSnippet(executable, args);
    const label = `${name} ${RUNTIMES[name].version}`;
    expect({ code, stdout, stderr }, label).toEqual({ code: 0, stdout: expected, stderr: '' });
    // And a first snapshot over HTTP, through that runtime's own fetch and streams.
    await runHttpScript(executable, args, label);
  });
});
