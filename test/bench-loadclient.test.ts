import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadClientReport, startLoadClient } from '../bench/lib/load-client.js';
import { repoRoot } from '../bench/lib/results.js';
import type { Worker } from '../bench/lib/worker.js';
import { serve } from './bridge-fixtures.js';
import { Cleanup, liveTopic } from './fixtures.js';

// The compiled load client of the fan-out and latency benchmarks (bench/loadclient): its own
// Go tests (frame parser, marker counting, one socket end to end), then the binary against a
// real bridge, spoken to over the benchmark worker protocol as the benchmarks do.

const cleanup = new Cleanup();
afterEach(() => cleanup.dispose());

type Report = LoadClientReport & { cpuSeconds: number };

describe('bench load client (Go)', () => {
  it('passes its go tests', async () => {
    const { stdout } = await promisify(execFile)('go', ['test', '-count=1', './...'], {
      cwd: join(repoRoot, 'bench', 'loadclient'),
    });
    expect(stdout).toMatch(/^ok\s+tablecast\/bench\/loadclient/m);
  });

  it('holds live subscribers of a real bridge, answers its pings and counts every change', async () => {
    const { table, writer } = await liveTopic(cleanup, 'loadclient');
    for (let i = 0; i < 50; i++) await writer.set(`lc-key-${i}`, { n: i });
    await table.waitFor(await writer.set('lc-key-last', { n: -1 }), 30_000);
    const heartbeatIntervalMs = 100;
    const { url } = await serve(cleanup, { bench: table }, { heartbeatIntervalMs });
    const sockets = 20;
    const load: Worker = cleanup.add(
      startLoadClient(
        'go',
        // Two reader loops: the sockets split between them by index.
        [
          ...['--url', url, '--count', String(sockets), '--table', 'bench'],
          ...['--marker', 'lc-key-', '--reader-loops', '2'],
        ],
        { timeoutMs: 60_000, label: '[loadclient] ' },
      ),
      (w) => w.stop(),
    );
    const ready = await load.next<Report & { connected: number }>('ready', 30_000);
    expect(ready).toMatchObject({
      requested: sockets,
      connected: sockets,
      live: sockets,
      failed: 0,
    });
    await load.request({ type: 'reset' }, 'reset', 10_000);

    const changes = 30;
    for (let i = 0; i < changes - 1; i++) await writer.set(`lc-key-${i}`, { n: 100 + i });
    await table.waitFor(await writer.set('lc-key-last', { n: 1_000 }), 30_000);
    // Several heartbeats go by: a socket that did not answer a ping would be cut off by now.
    // Not awaitable as an event: the assertion is that nothing happens.
    let report: Report;
    const deadline = Date.now() + 20_000;
    do {
      await new Promise((r) => setTimeout(r, heartbeatIntervalMs * 5));
      report = await load.request<Report>({ type: 'report' }, 'report', 10_000);
    } while (report.changes < changes * sockets && Date.now() < deadline);
    expect(report).toMatchObject({
      changes: changes * sockets,
      minChanges: changes,
      maxChanges: changes,
      live: sockets,
      closed: 0,
      failed: 0,
      closeCodes: {},
      errors: {},
    });
    expect(report.frames).toBeGreaterThanOrEqual(sockets);
    expect(report.bytes).toBeGreaterThan(report.frames * 'lc-key-'.length);
    expect(report.cpuSeconds).toBeGreaterThan(0);
  });
});
