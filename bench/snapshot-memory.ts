/**
 * Snapshot-memory benchmark: does serving full snapshots of a big table grow the bridge's
 * memory beyond the table itself plus the per-socket send budgets?
 *
 *   npm run bench snapshot-memory                                   # 1M keys × ~200 B
 *   npm run bench snapshot-memory -- --keys 100k --rounds 2         # smoke run
 *
 * Processes: the broker; the bridge (bench/bridge-host.ts); this process, which fills the topic
 * (kcat) and holds the clients: raw `ws` sockets that subscribe to the whole table, count the
 * bytes until snapshot-end, and close. First `--rounds` snapshots one after another, then
 * `--rounds` at once (`--concurrent` sockets each); then the same over HTTP
 * (`GET /tables/bench?format=snapshot`, a reader that counts the body's bytes). After every round
 * the bridge is asked for its memory after a full GC; during a round its RSS is sampled for the
 * peak.
 *
 * Bound: RSS after a round ≤ RSS with the table loaded and no client + the sockets of the round
 * × the per-socket send budget (slowClientBytes, 4 MiB by default). Reported, not asserted.
 *
 * Options (or BENCH_<NAME> env): --keys --value-bytes --partitions --rounds --concurrent
 * --timeout-ms --topic --keep-topic --out
 */
import { get } from 'node:http';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import { Options } from './lib/args.js';
import type { DatasetSpec } from './lib/data.js';
import {
  acquireBroker,
  createCompactedTopic,
  deleteTopic,
  populateTopic,
  withAdmin,
} from './lib/kafka.js';
import { Cleanups, sleep } from './lib/lifecycle.js';
import { runChild } from './lib/proc.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
import { fmtBytes, fmtNumber } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { startWorker, type Worker, type WorkerMessage } from './lib/worker.js';

const opts = new Options();
const keys = opts.int('keys', 1_000_000, 1);
const spec: DatasetSpec = {
  records: keys,
  keys,
  valueBytes: opts.int('value-bytes', 200, 16),
  seed: 42,
};
const partitions = opts.int('partitions', 4, 1);
const rounds = opts.int('rounds', 4, 1);
const concurrent = opts.int('concurrent', 4, 1);
const timeoutMs = opts.int('timeout-ms', 120_000, 1_000);
const topic = opts.string('topic', `tablecast-bench-snapshot-memory-${Date.now()}`);
const keepTopic = opts.bool('keep-topic');
const outFile = opts.string('out', 'snapshot-memory.json');
opts.assertNoUnknown();

const TABLE = 'bench';
/** The bridge's default per-socket send budget (BridgeOptions.slowClientBytes). */
const SOCKET_BUDGET = 4 * 1024 * 1024;
const log = (message: string): void => {
  process.stderr.write(`[bench:snapshot-memory] ${message}\n`);
};
const cleanups = new Cleanups(log);

type Stats = WorkerMessage & {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  connections: number;
  size: number;
};

interface Round {
  readonly label: string;
  readonly sockets: number;
  readonly seconds: number;
  readonly bytesPerSocket: number;
  readonly peakRss: number;
  readonly after: Stats;
  readonly bound: number;
}

const stats = (bridge: Worker, gc: boolean) =>
  bridge.request<Stats>({ type: 'stats', gc }, 'stats', 30_000);

/** One socket's full snapshot: subscribe, count bytes until snapshot-end, close. */
async function snapshot(url: string): Promise<number> {
  const ws = new WebSocket(url, 'tablecast.v1', { perMessageDeflate: false });
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('snapshot timed out')), timeoutMs);
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`closed with ${code} before snapshot-end`)));
      ws.once('open', () => ws.send(`{"type":"subscribe","sub":"s","table":"${TABLE}"}`));
      ws.on('message', (data: Buffer) => {
        bytes += data.length;
        // Only the end is parsed: the first bytes of a frame say what it is.
        if (data.subarray(0, 24).toString('latin1').startsWith('{"type":"snapshot-end"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    ws.removeAllListeners();
    ws.on('error', () => {});
    ws.terminate();
  }
  return bytes;
}

/** One full snapshot over HTTP: read the body, counting its bytes; it must end with snapshot-end. */
function httpSnapshot(url: string): Promise<number> {
  const target = `${url.replace(/^ws/, 'http')}/tables/${TABLE}?format=snapshot`;
  return new Promise<number>((resolve, reject) => {
    const request = get(target, (response) => {
      let bytes = 0;
      let tail = '';
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        tail = (tail + chunk.subarray(-300).toString('latin1')).slice(-300);
      });
      response.on('end', () => {
        if (response.statusCode === 200 && tail.includes('{"type":"snapshot-end"')) resolve(bytes);
        else
          reject(new Error(`HTTP ${response.statusCode}: the body did not end with snapshot-end`));
      });
      response.on('error', reject);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error('snapshot timed out')));
    request.on('error', reject);
  });
}

async function round(
  bridge: Worker,
  url: string,
  label: string,
  sockets: number,
  base: Stats,
  read: (url: string) => Promise<number> = snapshot,
): Promise<Round> {
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await stats(bridge, false).catch(() => undefined);
      if (s) peakRss = Math.max(peakRss, s.rss);
      await sleep(200);
    }
  })();
  const t0 = performance.now();
  const bytes = await Promise.all(Array.from({ length: sockets }, () => read(url))).finally(() => {
    sampling = false;
  });
  const seconds = (performance.now() - t0) / 1000;
  await sampler;
  // The bridge learns of the closes asynchronously; wait until it holds no socket.
  let after = await stats(bridge, true);
  for (let i = 0; i < 50 && after.connections > 0; i++) {
    await sleep(100);
    after = await stats(bridge, true);
  }
  const r: Round = {
    label,
    sockets,
    seconds,
    bytesPerSocket: bytes.reduce((a, b) => a + b, 0) / sockets,
    peakRss: Math.max(peakRss, after.rss),
    after,
    bound: base.rss + sockets * SOCKET_BUDGET,
  };
  log(
    `${label}: ${seconds.toFixed(1)} s, ${fmtBytes(r.bytesPerSocket)}/socket; RSS after GC ${fmtBytes(after.rss)} ` +
      `(heap ${fmtBytes(after.heapUsed)}), peak ${fmtBytes(r.peakRss)}`,
  );
  return r;
}

async function main(): Promise<number> {
  const broker = await acquireBroker({ log: (l) => log(`kafka: ${l}`) });
  if (broker.owned) cleanups.add('stop broker', () => broker.stop());
  const brokers = broker.brokers;
  await withAdmin(brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  if (!keepTopic) {
    cleanups.add('delete topic', () => withAdmin(brokers, (admin) => deleteTopic(admin, topic)));
  }
  const haveKcat =
    (await runChild('kcat', ['-V'], { timeoutMs: 10_000 }).catch(() => null))?.code === 0;
  log(`filling ${topic}: ${fmtNumber(keys)} keys × ~${spec.valueBytes} B`);
  const population = await populateTopic(
    brokers,
    topic,
    spec,
    haveKcat ? 'kcat' : 'kafkajs',
    timeoutMs * 2,
  );
  log(`filled in ${population.seconds.toFixed(1)} s`);

  const bridge = startWorker(
    path.join(repoRoot, 'bench', 'bridge-host.ts'),
    ['--brokers', brokers, '--topic', topic, '--table', TABLE],
    {
      timeoutMs: timeoutMs * (2 * rounds + 4),
      nodeFlags: ['--expose-gc', '--max-old-space-size=8192'],
      label: '[bridge] ',
    },
  );
  cleanups.add('stop bridge', () => bridge.stop());
  const ready = await bridge.next<WorkerMessage & { url: string; catchUpSeconds: number }>(
    'ready',
    timeoutMs,
  );
  const base = await stats(bridge, true);
  log(
    `bridge caught up in ${ready.catchUpSeconds.toFixed(1)} s: ${fmtNumber(base.size)} keys, ` +
      `RSS ${fmtBytes(base.rss)}, heap ${fmtBytes(base.heapUsed)}`,
  );

  const results: Round[] = [];
  for (let i = 1; i <= rounds; i++) {
    results.push(await round(bridge, ready.url, `sequential ${i}`, 1, base));
  }
  for (let i = 1; i <= rounds; i++) {
    results.push(await round(bridge, ready.url, `concurrent ${i}`, concurrent, base));
  }
  for (let i = 1; i <= rounds; i++) {
    results.push(await round(bridge, ready.url, `HTTP sequential ${i}`, 1, base, httpSnapshot));
  }
  for (let i = 1; i <= rounds; i++) {
    results.push(
      await round(bridge, ready.url, `HTTP concurrent ${i}`, concurrent, base, httpSnapshot),
    );
  }
  await bridge.stop();

  const within = results.every((r) => r.after.rss <= r.bound);
  const out: string[] = [''];
  out.push(
    `snapshot memory: ${fmtNumber(base.size)} keys × ~${spec.valueBytes} B, ${partitions} partitions; ` +
      `${rounds} full snapshots one at a time, then ${rounds} rounds of ${concurrent} at once, over sockets and then over HTTP — Kafka at ${brokers}`,
  );
  out.push('');
  out.push(
    renderTable(
      [
        { header: 'after', align: 'left' },
        { header: 'sockets' },
        { header: 'seconds' },
        { header: 'bytes/socket' },
        { header: 'peak RSS' },
        { header: 'RSS after GC' },
        { header: 'heap after GC' },
        { header: 'external' },
        { header: 'bound' },
        { header: 'ok', align: 'left' },
      ],
      [
        [
          'table loaded, no client',
          '0',
          '—',
          '—',
          '—',
          fmtBytes(base.rss),
          fmtBytes(base.heapUsed),
          fmtBytes(base.external),
          '—',
          '',
        ],
        ...results.map((r) => [
          r.label,
          String(r.sockets),
          r.seconds.toFixed(1),
          fmtBytes(r.bytesPerSocket),
          fmtBytes(r.peakRss),
          fmtBytes(r.after.rss),
          fmtBytes(r.after.heapUsed),
          fmtBytes(r.after.external),
          fmtBytes(r.bound),
          r.after.rss <= r.bound ? '✓' : '✗',
        ]),
      ],
    ),
  );
  out.push('');
  out.push(
    `bound (reported, not asserted): RSS after a round ≤ RSS with the table loaded + sockets × ${fmtBytes(SOCKET_BUDGET)} ` +
      `(the per-socket send budget) — ${within ? '✓' : '✗'}. Peak RSS is sampled every 200 ms during the round, without GC.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  const file = await writeResult(outFile, {
    benchmark: 'snapshot-memory',
    machine: machineFacts(),
    kafka: { brokers, startedByBench: broker.owned, version: broker.version ?? null },
    parameters: { keys, valueBytes: spec.valueBytes, partitions, rounds, concurrent, topic },
    socketBudget: SOCKET_BUDGET,
    base,
    rounds: results,
  });
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return within ? 0 : 1;
}

await cleanups.exitAfter(main);
