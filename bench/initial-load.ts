/**
 * Initial-load benchmark: how long a client takes from subscribe to `caught_up` on a big table,
 * and how many bytes that costs on the wire.
 *
 *   npm run bench initial-load                                  # 100k keys × ~200 B, 4 partitions, 5 runs
 *   npm run bench initial-load -- --keys 10k --runs 2           # smoke run
 *   KAFKA_BROKERS=127.0.0.1:9092 npm run bench initial-load     # use a running broker
 *
 * Processes: the broker; a bridge (bench/bridge-host.ts) serving the table; for every run a fresh
 * client process (bench/initial-load-client.ts: `createClient` + `ws`, counting received bytes).
 * The bridge is caught up before the first run, so a run measures snapshot transfer and apply.
 *
 * With `--client chromium` each run is a fresh real Chromium page instead (Playwright driving the
 * distribution's browser, the client bundled for the browser), which also reports the main
 * thread's long tasks (over 50 ms) while the table loads, and each run also loads the table
 * with its first snapshot over HTTP (`snapshotSource: httpSnapshots()`), the socket resuming after. With `--client raw` each run is a
 * process that only counts bytes (bench/initial-load-raw-client.ts): the bridge's own streaming
 * speed, apart from any client's pace. A Chromium run also loads, after or before each page of
 * the client, the floor: the same recorded frames from a bare `ws` server into a page that only
 * parses them into a Map (bench/lib/bare-snapshot-server.ts), and reports the ratio.
 *
 * Options (or BENCH_<NAME> env): --keys --value-bytes --partitions --runs --seed --timeout-ms
 * --broker-heap-mb --topic --keep-topic --out --client node|chromium|raw
 * --slow-client-bytes --snapshot-part-size (bridge limits to try; 0 = the bridge's defaults)
 * --page-cpu-prof DIR (Chromium: the page's V8 CPU profile of each run, run-<n>.cpuprofile)
 * --page-trace DIR (Chromium: Chrome's trace of each run, run-<n>.trace.json; read it with
 *   `npx tsx bench/page-trace-report.ts FILE`)
 * --bridge-nice N (default 0): the bridge's nice level; at 10 it gives way to the browser on
 *   this shared machine, as a bridge on a machine of its own would
 */
import * as path from 'node:path';
import {
  type BareRun,
  initialLoadReport,
  type Run,
  type TransportRun,
} from './initial-load-report.js';
import { Options } from './lib/args.js';
import { recordSnapshot, startBareSnapshotServer } from './lib/bare-snapshot-server.js';
import { type BrowserLoader, browserLoader, type LoadPage } from './lib/browser-load.js';
import type { DatasetSpec } from './lib/data.js';
import {
  acquireBroker,
  createCompactedTopic,
  deleteTopic,
  populateTopic,
  withAdmin,
} from './lib/kafka.js';
import { Cleanups } from './lib/lifecycle.js';
import { lastJsonLine, runChild } from './lib/proc.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
import { fmtBytes, fmtNumber } from './lib/stats.js';
import { startWorker, type WorkerMessage } from './lib/worker.js';

const opts = new Options();
const keys = opts.int('keys', 100_000, 1);
const spec: DatasetSpec = {
  records: keys,
  keys,
  valueBytes: opts.int('value-bytes', 200, 16),
  seed: opts.int('seed', 42),
};
const partitions = opts.int('partitions', 4, 1);
const runs = opts.int('runs', 5, 1);
const timeoutMs = opts.int('timeout-ms', 120_000, 1_000);
const brokerHeapMb = opts.int('broker-heap-mb', 1024, 256);
const topic = opts.string('topic', `tablecast-bench-initial-load-${Date.now()}`);
const keepTopic = opts.bool('keep-topic');
const CLIENT_KINDS = {
  node: 'a fresh Node client process (createClient + ws)',
  chromium: 'a fresh Chromium page (Playwright, client bundled by esbuild)',
  raw: 'a fresh process that counts bytes without parsing (the bridge alone)',
} as const;
const clientKindOption = opts.string('client', 'node');
// Bridge limits to try (0: the bridge's defaults).
const slowClientBytes = opts.int('slow-client-bytes', 0, 0);
const snapshotPartSize = opts.int('snapshot-part-size', 0, 0);
// Chromium only: a directory for the page's V8 CPU profile of every run (run-<n>.cpuprofile).
const pageCpuProf = opts.string('page-cpu-prof', '');
// Chromium only: a directory for Chrome's trace of every run (run-<n>[-http|-bare].trace.json).
const pageTrace = opts.string('page-trace', '');
const bridgeNice = opts.int('bridge-nice', 0, 0);
if (!Object.hasOwn(CLIENT_KINDS, clientKindOption)) {
  throw new Error(
    `--client must be node, chromium or raw, got ${JSON.stringify(clientKindOption)}`,
  );
}
const clientKind = clientKindOption as keyof typeof CLIENT_KINDS;
const outFile = opts.string(
  'out',
  clientKind === 'node' ? 'initial-load.json' : `initial-load-${clientKind}.json`,
);
opts.assertNoUnknown();

const TABLE = 'bench';
const log = (message: string): void => {
  process.stderr.write(`[bench:initial-load] ${message}\n`);
};
const cleanups = new Cleanups(log);

/** A finite number from a run's JSON line, else null. */
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One Chromium run, shaped like a client process's result so both share the bookkeeping. */
/** A file of one run's page in `dir` (none without a dir): run-<n>[-http|-bare]<ext>. */
function runFile(dir: string, run: number, page: LoadPage, ext: string): string | undefined {
  if (dir === '') return undefined;
  const suffix = page === 'tablecast' ? '' : page === 'tablecast-http' ? '-http' : `-${page}`;
  return path.resolve(dir, `run-${run}${suffix}${ext}`);
}

async function inBrowser(
  browser: BrowserLoader,
  url: string,
  options: {
    readonly page?: LoadPage;
    readonly cpuProfile?: string | undefined;
    readonly trace?: string | undefined;
  },
) {
  const t0 = performance.now();
  try {
    const result = await browser.run(url, TABLE, timeoutMs, options);
    return {
      code: result.ok ? 0 : 3,
      signal: null,
      timedOut: false,
      stdout: `${JSON.stringify(result)}\n`,
      stderrTail: '',
      wallSeconds: (performance.now() - t0) / 1000,
    };
  } catch (error) {
    return {
      code: 1,
      signal: null,
      timedOut: false,
      stdout: '',
      stderrTail: error instanceof Error ? error.message : String(error),
      wallSeconds: (performance.now() - t0) / 1000,
    };
  }
}

async function main(): Promise<number> {
  const broker = await acquireBroker({ heapMb: brokerHeapMb, log: (l) => log(`kafka: ${l}`) });
  if (broker.owned) cleanups.add('stop broker', () => broker.stop());
  const brokers = broker.brokers;
  log(`Kafka at ${brokers}${broker.owned ? '' : ' (external)'}`);

  await withAdmin(brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  if (!keepTopic) {
    cleanups.add('delete topic', () => withAdmin(brokers, (admin) => deleteTopic(admin, topic)));
  }
  const haveKcat =
    (await runChild('kcat', ['-V'], { timeoutMs: 10_000 }).catch(() => null))?.code === 0;
  const producer = haveKcat ? 'kcat' : 'kafkajs';
  log(`filling ${topic}: ${fmtNumber(keys)} keys × ~${spec.valueBytes} B with ${producer}`);
  const population = await populateTopic(brokers, topic, spec, producer, timeoutMs * 5);
  const payload = population.payload;
  log(
    `filled in ${population.seconds.toFixed(1)} s; raw key+value bytes ${fmtBytes(payload.finalPayloadBytes)}`,
  );

  const bridge = startWorker(
    path.join(repoRoot, 'bench', 'bridge-host.ts'),
    [
      ...['--brokers', brokers, '--topic', topic, '--table', TABLE, '--trace-snapshots'],
      ...['--slow-client-bytes', String(slowClientBytes)],
      ...['--snapshot-part-size', String(snapshotPartSize)],
    ],
    {
      timeoutMs: timeoutMs * (runs + 5),
      nodeFlags: ['--expose-gc'],
      label: '[bridge] ',
      ...(bridgeNice > 0 ? { nice: bridgeNice } : {}),
    },
  );
  cleanups.add('stop bridge', () => bridge.stop());
  const ready = await bridge.next<
    WorkerMessage & { url: string; catchUpSeconds: number; size: number; status: string }
  >('ready', timeoutMs * 3);
  log(
    `bridge at ${ready.url}: table ${ready.status} with ${fmtNumber(ready.size)} keys in ${ready.catchUpSeconds.toFixed(2)} s`,
  );
  if (ready.size !== keys) throw new Error(`bridge table has ${ready.size} keys, expected ${keys}`);

  type Stats = WorkerMessage & {
    bytesSent: number;
    httpSnapshotBytes: number;
    framesSent: number;
    snapshotMs: number[];
    rss: number;
    heapUsed: number;
  };
  const results: Run[] = [];
  const browser = clientKind === 'chromium' ? await browserLoader() : undefined;
  if (browser) cleanups.add('stop page server', () => browser.close());
  // The floor, in the same run: the same frames from a bare ws server to a bare page.
  const bare = browser
    ? await startBareSnapshotServer(await recordSnapshot(ready.url, TABLE, timeoutMs))
    : undefined;
  if (bare) cleanups.add('stop bare server', () => bare.close());
  const bareRuns: BareRun[] = [];
  const transportRuns: TransportRun[] = [];
  const bareRun = async (run: number): Promise<void> => {
    const child = await inBrowser(browser!, bare!.url, {
      page: 'bare',
      trace: runFile(pageTrace, run, 'bare', '.trace.json'),
    });
    const json = lastJsonLine(child.stdout);
    const ok = child.code === 0 && json?.ok === true && json.size === keys;
    bareRuns.push({
      run,
      ok,
      seconds: num(json?.seconds) ?? Number.NaN,
      mainThreadTaskMs: num(json?.mainThreadTaskMs),
      mainThreadScriptMs: num(json?.mainThreadScriptMs),
      longTasks: Array.isArray(json?.longTasks) ? (json.longTasks as Run['longTasks']) : null,
    });
    log(`run ${run}/${runs} bare floor: ${ok ? `${num(json?.seconds)?.toFixed(3)} s` : 'FAILED'}`);
    // The transport alone for the same bytes, both ways, in fresh pages too.
    for (const via of ['ws', 'fetch'] as const) {
      const t = lastJsonLine((await inBrowser(browser!, bare!.url, { page: via })).stdout);
      const seconds = num(t?.seconds);
      transportRuns.push({
        run,
        via,
        ok: t?.ok === true && seconds !== null,
        seconds: seconds ?? Number.NaN,
        bytes: num(t?.bytes),
      });
    }
  };
  /** One load by the client: over its socket, or (`page: 'tablecast-http'`) first over HTTP. */
  const measure = async (run: number, page: 'tablecast' | 'tablecast-http'): Promise<Run> => {
    const before = await bridge.request<Stats>({ type: 'stats', gc: true }, 'stats', 30_000);
    const child = browser
      ? await inBrowser(browser, ready.url, {
          page,
          cpuProfile: runFile(pageCpuProf, run, page, '.cpuprofile'),
          trace: runFile(pageTrace, run, page, '.trace.json'),
        })
      : await runChild(
          process.execPath,
          [
            '--import',
            'tsx',
            path.join(
              repoRoot,
              'bench',
              clientKind === 'raw' ? 'initial-load-raw-client.ts' : 'initial-load-client.ts',
            ),
            '--url',
            ready.url,
            '--table',
            TABLE,
            '--timeout-ms',
            String(timeoutMs),
          ],
          { timeoutMs: timeoutMs + 30_000, cwd: repoRoot },
        );
    const after = await bridge.request<Stats>({ type: 'stats' }, 'stats', 30_000);
    const json = lastJsonLine(child.stdout);
    const seconds = num(json?.seconds) ?? Number.NaN;
    const size = num(json?.size);
    const httpBytes = after.httpSnapshotBytes - before.httpSnapshotBytes;
    let error: string | undefined;
    if (child.timedOut) error = 'timed out';
    else if (child.code !== 0 || json === undefined)
      error = `exit ${child.code ?? child.signal}: ${child.stderrTail.trim().split('\n').slice(-3).join(' | ')}`;
    else if (json.ok !== true) error = `status ${String(json.status)}`;
    else if (size !== keys && clientKind !== 'raw')
      error = `client holds ${size} keys, expected ${keys}`;
    else if (page === 'tablecast-http' && httpBytes === 0) error = 'nothing came over HTTP';
    const clientBytes = num(json?.bytes);
    return {
      run,
      ok: error === undefined,
      ...(error === undefined ? {} : { error }),
      seconds,
      connectSeconds: num(json?.connectSeconds),
      firstSnapshotFrameSeconds: num(json?.firstSnapshotFrameSeconds),
      keys: size,
      keysPerSecond: size !== null ? size / seconds : Number.NaN,
      clientFrames: num(json?.frames),
      // Over HTTP the page counts its socket's frames; the body's bytes are the bridge's count.
      clientBytes: clientBytes === null ? null : clientBytes + httpBytes,
      bridgeBytesSent: after.bytesSent - before.bytesSent + httpBytes,
      bridgeFramesSent: after.framesSent - before.framesSent,
      bridgeSnapshotMs: after.snapshotMs.length === 1 ? after.snapshotMs[0]! : null,
      processWallSeconds: child.wallSeconds,
      mainThreadTaskMs: num(json?.mainThreadTaskMs),
      mainThreadScriptMs: num(json?.mainThreadScriptMs),
      lastFrameSeconds: num(json?.lastFrameSeconds),
      socketSnapshotEndSeconds: num(json?.socketSnapshotEndSeconds),
      longTasks: Array.isArray(json?.longTasks) ? (json.longTasks as Run['longTasks']) : null,
    };
  };
  const httpResults: Run[] = [];
  for (let run = 1; run <= runs; run++) {
    if (cleanups.aborting) throw new Error('interrupted');
    // Alternating which page goes first, so neither always gets the warmer machine.
    if (bare && run % 2 === 0) await bareRun(run);
    const r = await measure(run, 'tablecast');
    results.push(r);
    const h = browser ? await measure(run, 'tablecast-http') : undefined;
    if (h) httpResults.push(h);
    if (bare && run % 2 === 1) await bareRun(run);
    log(
      r.ok
        ? `run ${run}/${runs}: ${r.seconds.toFixed(3)} s, ${fmtNumber(r.keysPerSecond)} keys/s, ` +
            `${fmtBytes(r.clientBytes ?? Number.NaN)} received, bridge snapshot ${r.bridgeSnapshotMs?.toFixed(0) ?? '?'} ms`
        : `run ${run}/${runs}: FAILED ${r.error}`,
    );
    if (h) {
      log(
        h.ok
          ? `run ${run}/${runs} over HTTP: caught_up ${h.seconds.toFixed(3)} s, socket resumed at ${h.socketSnapshotEndSeconds?.toFixed(3) ?? '?'} s`
          : `run ${run}/${runs} over HTTP: FAILED ${h.error}`,
      );
    }
  }
  const finalStats = await bridge.request<Stats>({ type: 'stats', gc: true }, 'stats', 30_000);
  await bridge.stop();

  const { summary, text } = initialLoadReport({
    results,
    httpResults,
    bareRuns,
    transportRuns,
    keys,
    valueBytes: spec.valueBytes,
    partitions,
    runs,
    clientKind,
    clientDescription: CLIENT_KINDS[clientKind],
    brokers,
    payload,
    catchUpSeconds: ready.catchUpSeconds,
    finalStats,
    withBare: bare !== undefined,
  });
  process.stdout.write(text);

  const file = await writeResult(outFile, {
    benchmark: 'initial-load',
    machine: machineFacts(),
    kafka: { brokers, startedByBench: broker.owned, version: broker.version ?? null },
    parameters: { ...spec, partitions, runs, timeoutMs, topic, producer, client: clientKind },
    dataset: { payload, populateSeconds: population.seconds },
    runs: results,
    httpRuns: httpResults,
    bareRuns,
    transportRuns,
    summary,
  });
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

await cleanups.exitAfter(main);
