/**
 * Catch-up benchmark: how fast does a fresh table materialize a compacted topic, next to
 * references, on one broker in one run.
 *
 *   npm run bench:catchup                                   # 1M records / 100k keys / 4 partitions
 *   npm run bench:catchup -- --records 50k --keys 5k --runs 1
 *   KAFKA_BROKERS=127.0.0.1:9092 npm run bench:catchup    # use a running broker
 *
 * Contenders, each in its own process, N runs each in rotating order, median reported:
 *   tablecast  bench/catchup-tablecast.ts (node --expose-gc): KafkaTable + codecs.json()
 *   tablecast-bytes  the same with codecs.bytes(): the read path and the map, no JSON decoding
 *   kcat       kcat -C -o beginning -e: the librdkafka floor (reads bytes, builds nothing)
 *   ktables    bench/ktables_catchup.py: the Python library tablecast replaces (json.loads)
 *
 * Options (or BENCH_<NAME> env): --records --keys --partitions --value-bytes --runs --seed
 * --contenders tablecast,kcat,ktables --producer kcat|kafkajs --timeout-ms --broker-heap-mb
 * --topic --keep-topic --out --compression none|gzip|snappy|lz4|zstd (kcat producer only)
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Options } from './lib/args.js';
import type { DatasetSpec, PayloadSummary } from './lib/data.js';
import {
  acquireBroker,
  type BenchBroker,
  brokerProtocolVersion,
  createCompactedTopic,
  deleteTopic,
  type PopulateResult,
  type ProducerKind,
  populateTopic,
  type TopicOffsets,
  topicOffsets,
  withAdmin,
} from './lib/kafka.js';
import { assertOk, killAllChildren, lastJsonLine, type RunResult, runChild } from './lib/proc.js';
import { machineFacts, repoRoot, writeResult } from './lib/results.js';
import { fmtNumber, fmtRatio, max, median, min, ratio, rotate } from './lib/stats.js';
import { renderTable } from './lib/table.js';

type Contender = 'tablecast' | 'tablecast-bytes' | 'kcat' | 'ktables';
const ALL_CONTENDERS: readonly Contender[] = ['tablecast', 'tablecast-bytes', 'kcat', 'ktables'];

const TARGETS = {
  /** tablecast records/s ≥ this × ktables records/s */
  vsKtables: 2,
  /** tablecast records/s ≥ this × kcat records/s */
  vsKcat: 0.5,
  /** tablecast heap per key ≤ payload per key + this many bytes */
  overheadBytesPerKey: 100,
} as const;

const venvPython = path.join(repoRoot, '.cache', 'bench-venv', 'bin', 'python');

interface RunRecord {
  readonly contender: Contender;
  readonly run: number;
  readonly order: number;
  readonly ok: boolean;
  readonly error?: string;
  /** Start to caught up: start() as timed inside the child, or kcat's process wall time. */
  readonly seconds: number;
  readonly processWallSeconds: number;
  readonly recordsPerSecond: number;
  readonly records: number | null;
  readonly size: number | null;
  readonly bytesPerKey: number | null;
  readonly memoryKind: 'heap' | 'rss' | null;
  /** tablecast only: heap per key after stop(), when only the frozen map is left. */
  readonly stoppedBytesPerKey: number | null;
  /** tablecast only: heap per key right at catch-up, the replay's last fetch still held. */
  readonly atCatchUpBytesPerKey: number | null;
  readonly detail: Record<string, unknown> | null;
}

// ---------------------------------------------------------------------------------------------
// Options

const opts = new Options();
const spec: DatasetSpec = {
  records: opts.int('records', 1_000_000, 1),
  keys: opts.int('keys', 100_000, 1),
  valueBytes: opts.int('value-bytes', 200, 16),
  seed: opts.int('seed', 42),
};
const partitions = opts.int('partitions', 4, 1);
const runs = opts.int('runs', 3, 1);
const timeoutMs = opts.int('timeout-ms', 600_000, 1_000);
const brokerHeapMb = opts.int('broker-heap-mb', 1024, 256);
const requested = opts.list('contenders', ALL_CONTENDERS);
const producerOpt = opts.optionalString('producer');
const compression = opts.string('compression', 'none');
const topic = opts.string('topic', `tablecast-bench-catchup-${Date.now()}`);
const keepTopic = opts.bool('keep-topic');
const outFile = opts.string('out', 'catchup.json');
opts.assertNoUnknown();

for (const name of requested) {
  if (!ALL_CONTENDERS.includes(name as Contender)) {
    throw new Error(`unknown contender ${name}; choose from ${ALL_CONTENDERS.join(', ')}`);
  }
}
if (spec.records < spec.keys) throw new Error('--records must be >= --keys');
if (producerOpt !== undefined && producerOpt !== 'kcat' && producerOpt !== 'kafkajs') {
  throw new Error('--producer must be kcat or kafkajs');
}
if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) {
  throw new Error('--compression must be none, gzip, snappy, lz4 or zstd');
}
if (compression !== 'none' && producerOpt === 'kafkajs') {
  throw new Error('--compression needs the kcat producer (kafkajs writes gzip at most)');
}

const log = (message: string): void => {
  process.stderr.write(`[bench:catchup] ${message}\n`);
};

// ---------------------------------------------------------------------------------------------
// Cleanup: stop what we started, also on error and SIGINT/SIGTERM.

const cleanups: Array<{ name: string; fn: () => Promise<void> }> = [];
let cleaning: Promise<void> | undefined;
/** Set once cleanup begins, so the run loop starts no new child. */
let aborting = false;

function cleanup(): Promise<void> {
  aborting = true;
  cleaning ??= (async () => {
    killAllChildren();
    for (const { name, fn } of cleanups.reverse()) {
      try {
        await withTimeout(fn(), 60_000, name);
      } catch (error) {
        log(`cleanup ${name} failed: ${String(error)}`);
      }
    }
  })();
  return cleaning;
}

let interrupted = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    log(`${signal}: cleaning up (again to force)`);
    void cleanup().finally(() => process.exit(130));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Contenders

async function commandAvailable(file: string, args: readonly string[]): Promise<boolean> {
  try {
    const r = await runChild(file, args, { timeoutMs: 10_000 });
    return r.code === 0;
  } catch {
    return false;
  }
}

async function setupReferences(contenders: readonly Contender[]): Promise<void> {
  if (!contenders.includes('ktables')) return;
  log('checking reference implementations (bench/setup-references.sh)');
  const r = await runChild('bash', [path.join(repoRoot, 'bench', 'setup-references.sh')], {
    timeoutMs: 300_000,
    cwd: repoRoot,
  });
  assertOk(r, 'bench/setup-references.sh');
}

function childFailure(result: RunResult): string | undefined {
  if (result.timedOut) return `timed out after ${result.wallSeconds.toFixed(1)} s`;
  if (result.code !== 0) {
    const tail = result.stderrTail.trim().split('\n').slice(-5).join(' | ');
    return `exit ${result.code ?? result.signal}: ${tail}`;
  }
  return undefined;
}

async function runTablecast(
  brokers: string,
  contender: 'tablecast' | 'tablecast-bytes',
): Promise<Omit<RunRecord, 'run' | 'order'>> {
  const result = await runChild(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      path.join(repoRoot, 'bench', 'catchup-tablecast.ts'),
      '--brokers',
      brokers,
      '--topic',
      topic,
      '--timeout-ms',
      String(timeoutMs),
      '--value-codec',
      contender === 'tablecast' ? 'json' : 'bytes',
    ],
    { timeoutMs: timeoutMs + 60_000, cwd: repoRoot },
  );
  return fromJsonChild(contender, result);
}

async function runKtables(brokers: string): Promise<Omit<RunRecord, 'run' | 'order'>> {
  const result = await runChild(
    venvPython,
    [
      path.join(repoRoot, 'bench', 'ktables_catchup.py'),
      '--brokers',
      brokers,
      '--topic',
      topic,
      '--timeout-ms',
      String(timeoutMs),
    ],
    { timeoutMs: timeoutMs + 60_000, cwd: repoRoot },
  );
  return fromJsonChild('ktables', result);
}

function fromJsonChild(contender: Contender, result: RunResult): Omit<RunRecord, 'run' | 'order'> {
  const json = lastJsonLine(result.stdout);
  const failure = childFailure(result);
  const num = (v: unknown): number | null =>
    typeof v === 'number' && Number.isFinite(v) ? v : null;
  const seconds = num(json?.seconds) ?? Number.NaN;
  const records = num(json?.records);
  const memory = (json?.memory ?? null) as Record<string, unknown> | null;
  const afterStop = (json?.afterStop ?? null) as Record<string, unknown> | null;
  const error =
    failure ??
    (json === undefined
      ? 'no JSON result on stdout'
      : json.ok === true
        ? undefined
        : `status ${String(json.status)}`);
  return {
    contender,
    ok: error === undefined,
    ...(error === undefined ? {} : { error }),
    seconds,
    processWallSeconds: result.wallSeconds,
    recordsPerSecond: records !== null && seconds > 0 ? records / seconds : Number.NaN,
    records,
    size: num(json?.size),
    bytesPerKey: num(memory?.bytesPerKey),
    memoryKind: memory?.kind === 'heap' || memory?.kind === 'rss' ? memory.kind : null,
    stoppedBytesPerKey: num(afterStop?.bytesPerKey),
    atCatchUpBytesPerKey: num(memory?.atCatchUpBytesPerKey),
    detail: json ?? null,
  };
}

const kcatConsumeArgs = (brokers: string, format: string): string[] => [
  '-C',
  '-b',
  brokers,
  '-t',
  topic,
  '-o',
  'beginning',
  '-e',
  '-q',
  '-f',
  format,
];

async function runKcat(
  brokers: string,
  expected: number,
): Promise<Omit<RunRecord, 'run' | 'order'>> {
  const result = await runChild('kcat', kcatConsumeArgs(brokers, '%k%s\n'), {
    timeoutMs,
    stdout: 'ignore',
  });
  const error = childFailure(result);
  const seconds = result.wallSeconds;
  return {
    contender: 'kcat',
    ok: error === undefined,
    ...(error === undefined ? {} : { error }),
    seconds,
    processWallSeconds: seconds,
    // stdout goes to /dev/null, so the count comes from the one verification read.
    recordsPerSecond: expected / seconds,
    records: error === undefined ? expected : null,
    size: null,
    bytesPerKey: null,
    memoryKind: null,
    stoppedBytesPerKey: null,
    atCatchUpBytesPerKey: null,
    detail: null,
  };
}

/** One untimed kcat read that counts messages, to check the topic holds what we wrote. */
async function kcatCount(brokers: string): Promise<number> {
  const result = await runChild('kcat', kcatConsumeArgs(brokers, '%o\n'), {
    timeoutMs,
    stdout: 'count-lines',
  });
  assertOk(result, 'kcat verification read');
  return result.lines;
}

// ---------------------------------------------------------------------------------------------
// Report

interface ContenderSummary {
  readonly runs: number;
  readonly okRuns: number;
  readonly medianSeconds: number;
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly recordsPerSecond: number;
  readonly keys: number | null;
  readonly bytesPerKey: number | null;
  readonly memoryKind: 'heap' | 'rss' | null;
  readonly overheadBytesPerKey: number | null;
  readonly stoppedBytesPerKey: number | null;
  readonly atCatchUpBytesPerKey: number | null;
  readonly ratioVsKtables: number;
  readonly ratioVsKcat: number;
}

function summarize(
  contenders: readonly Contender[],
  records: RunRecord[],
  recordsInTopic: number,
  payload: PayloadSummary,
): Record<string, ContenderSummary> {
  const base = new Map<Contender, Omit<ContenderSummary, 'ratioVsKtables' | 'ratioVsKcat'>>();
  for (const c of contenders) {
    const mine = records.filter((r) => r.contender === c);
    const ok = mine.filter((r) => r.ok);
    const secs = ok.map((r) => r.seconds);
    const med = median(secs);
    const bpk = ok.map((r) => r.bytesPerKey).filter((v): v is number => v !== null);
    const sizes = ok.map((r) => r.size).filter((v): v is number => v !== null);
    const medBpk = bpk.length > 0 ? median(bpk) : null;
    const stopped = ok.map((r) => r.stoppedBytesPerKey).filter((v): v is number => v !== null);
    const atCatchUp = ok.map((r) => r.atCatchUpBytesPerKey).filter((v): v is number => v !== null);
    base.set(c, {
      runs: mine.length,
      okRuns: ok.length,
      medianSeconds: med,
      minSeconds: min(secs),
      maxSeconds: max(secs),
      recordsPerSecond: recordsInTopic / med,
      keys: sizes.length > 0 ? median(sizes) : null,
      bytesPerKey: medBpk,
      memoryKind: ok.find((r) => r.memoryKind !== null)?.memoryKind ?? null,
      overheadBytesPerKey: medBpk === null ? null : medBpk - payload.finalPayloadBytesPerKey,
      stoppedBytesPerKey: stopped.length > 0 ? median(stopped) : null,
      atCatchUpBytesPerKey: atCatchUp.length > 0 ? median(atCatchUp) : null,
    });
  }
  const out: Record<string, ContenderSummary> = {};
  for (const [c, s] of base) {
    out[c] = {
      ...s,
      ratioVsKtables: ratio(s.recordsPerSecond, base.get('ktables')?.recordsPerSecond),
      ratioVsKcat: ratio(s.recordsPerSecond, base.get('kcat')?.recordsPerSecond),
    };
  }
  return out;
}

interface TargetResult {
  readonly target: string;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | null;
}

function evaluateTargets(
  summary: Record<string, ContenderSummary>,
  payload: PayloadSummary,
): TargetResult[] {
  const tc = summary.tablecast;
  const vsKtables = tc?.ratioVsKtables ?? Number.NaN;
  const vsKcat = tc?.ratioVsKcat ?? Number.NaN;
  const overhead = tc?.overheadBytesPerKey ?? null;
  const judge = (value: number | null, ok: (v: number) => boolean): boolean | null =>
    value === null || !Number.isFinite(value) ? null : ok(value);
  return [
    {
      target: 'records/s vs ktables',
      goal: `≥ ${TARGETS.vsKtables}×`,
      measured: fmtRatio(vsKtables),
      met: judge(vsKtables, (v) => v >= TARGETS.vsKtables),
    },
    {
      target: 'records/s vs kcat',
      goal: `≥ ${TARGETS.vsKcat}×`,
      measured: fmtRatio(vsKcat),
      met: judge(vsKcat, (v) => v >= TARGETS.vsKcat),
    },
    {
      target: 'heap per key beyond payload',
      goal: `≤ ${TARGETS.overheadBytesPerKey} B (payload ${fmtNumber(payload.finalPayloadBytesPerKey, 1)} B)`,
      measured: overhead === null ? '—' : `${fmtNumber(overhead, 1)} B`,
      met: judge(overhead, (v) => v <= TARGETS.overheadBytesPerKey),
    },
  ];
}

function printReport(
  contenders: readonly Contender[],
  summary: Record<string, ContenderSummary>,
  targets: readonly TargetResult[],
  ctx: {
    recordsInTopic: number;
    payload: PayloadSummary;
    kafka: string;
    population: PopulateResult;
  },
): void {
  const out: string[] = [];
  out.push('');
  out.push(
    `catch-up: ${fmtNumber(ctx.recordsInTopic)} records, ${fmtNumber(ctx.payload.keys)} keys, ` +
      `${partitions} partitions, ~${spec.valueBytes} B values, ${runs} run(s) each — ${ctx.kafka}`,
  );
  out.push(
    `payload: ${fmtNumber(ctx.payload.finalPayloadBytesPerKey, 1)} B/key (key + latest value); ` +
      `topic filled by ${ctx.population.producer} in ${ctx.population.seconds.toFixed(1)} s`,
  );
  out.push('');
  const rows = contenders.map((c) => {
    const s = summary[c]!;
    const mem =
      s.bytesPerKey === null
        ? '—'
        : `${fmtNumber(s.bytesPerKey, 1)}${s.memoryKind === 'rss' ? ' (rss)' : ''}`;
    return [
      c,
      Number.isFinite(s.medianSeconds) ? s.medianSeconds.toFixed(3) : 'failed',
      Number.isFinite(s.minSeconds) ? `${s.minSeconds.toFixed(2)}–${s.maxSeconds.toFixed(2)}` : '—',
      fmtNumber(s.recordsPerSecond),
      fmtRatio(s.ratioVsKtables),
      fmtRatio(s.ratioVsKcat),
      s.keys === null ? '—' : fmtNumber(s.keys),
      mem,
      s.overheadBytesPerKey === null ? '—' : fmtNumber(s.overheadBytesPerKey, 1),
      `${s.okRuns}/${s.runs}`,
    ];
  });
  out.push(
    renderTable(
      [
        { header: 'contender', align: 'left' },
        { header: 'median s' },
        { header: 'range s' },
        { header: 'records/s' },
        { header: 'vs ktables' },
        { header: 'vs kcat' },
        { header: 'keys' },
        { header: 'mem B/key' },
        { header: 'overhead B/key' },
        { header: 'ok' },
      ],
      rows,
    ),
  );
  out.push('');
  out.push(
    renderTable(
      [
        { header: 'tablecast target', align: 'left' },
        { header: 'goal', align: 'left' },
        { header: 'measured' },
        { header: 'met' },
      ],
      targets.map((t) => [t.target, t.goal, t.measured, t.met === null ? '—' : t.met ? '✓' : '✗']),
    ),
  );
  out.push('');
  out.push(
    'mem B/key: tablecast = V8 heap used + ArrayBuffers while live (reader running, 1 s after ' +
      'catch-up) minus before start (2× gc); ktables = process RSS growth (rss). ' +
      'overhead = mem − payload.',
  );
  const atCatchUp = summary.tablecast?.atCatchUpBytesPerKey;
  if (atCatchUp !== null && atCatchUp !== undefined) {
    out.push(
      `diagnostic: tablecast at the moment of catch-up (the replay's last fetch still held): ${fmtNumber(atCatchUp, 1)} B/key.`,
    );
  }
  const stopped = summary.tablecast?.stoppedBytesPerKey;
  if (stopped !== null && stopped !== undefined) {
    out.push(
      `diagnostic: tablecast heap after stop() (map only, client closed): ${fmtNumber(stopped, 1)} B/key, ` +
        `${fmtNumber(stopped - ctx.payload.finalPayloadBytesPerKey, 1)} B/key beyond payload.`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const contenders = requested as Contender[];
  const haveKcat = await commandAvailable('kcat', ['-V']);
  if (!haveKcat && contenders.includes('kcat')) {
    throw new Error(
      'kcat not found (Debian package kcat); drop it with --contenders tablecast,ktables',
    );
  }
  const producer: ProducerKind =
    (producerOpt as ProducerKind | undefined) ?? (haveKcat ? 'kcat' : 'kafkajs');
  if (contenders.includes('ktables') && !existsSync(venvPython))
    log('creating .cache/bench-venv for ktables');
  await setupReferences(contenders);

  log(
    process.env.KAFKA_BROKERS
      ? `using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`
      : 'starting Kafka (scripts/kafka/broker.ts)',
  );
  const broker: BenchBroker = await acquireBroker({
    heapMb: brokerHeapMb,
    log: (line) => log(`kafka: ${line}`),
  });
  if (broker.owned) cleanups.push({ name: 'stop broker', fn: () => broker.stop() });
  const brokers = broker.brokers;
  const protocolVersion = await withAdmin(brokers, brokerProtocolVersion);
  const kafkaLabel = `Kafka ${broker.version ?? protocolVersion ?? '?'} at ${brokers}${broker.owned ? '' : ' (external)'}`;
  log(kafkaLabel);

  log(`creating compacted topic ${topic} (${partitions} partitions)`);
  await withAdmin(brokers, (admin) => createCompactedTopic(admin, topic, partitions));
  if (!keepTopic) {
    cleanups.push({
      name: 'delete topic',
      fn: () => withAdmin(brokers, (admin) => deleteTopic(admin, topic)),
    });
  }

  log(
    `producing ${fmtNumber(spec.records)} records over ${fmtNumber(spec.keys)} keys with ${producer}`,
  );
  const population = await populateTopic(brokers, topic, spec, producer, timeoutMs, compression);
  log(
    `produced in ${population.seconds.toFixed(1)} s (${fmtNumber(spec.records / population.seconds)} records/s)`,
  );
  const offsets: TopicOffsets = await withAdmin(brokers, (admin) => topicOffsets(admin, topic));
  const recordsInTopic = offsets.records;
  if (recordsInTopic !== spec.records) {
    log(`warning: topic holds ${recordsInTopic} records, ${spec.records} were produced`);
  }
  let verifiedCount: number | null = null;
  if (haveKcat) {
    verifiedCount = await kcatCount(brokers);
    log(`kcat verification read: ${fmtNumber(verifiedCount)} messages`);
    if (verifiedCount !== recordsInTopic) {
      log(`warning: kcat read ${verifiedCount} messages, offsets say ${recordsInTopic}`);
    }
  }

  const results: RunRecord[] = [];
  for (let run = 0; run < runs; run++) {
    const order = rotate(contenders, run);
    for (const [position, contender] of order.entries()) {
      if (aborting) throw new Error('interrupted');
      log(`run ${run + 1}/${runs}: ${contender}`);
      let r: Omit<RunRecord, 'run' | 'order'>;
      try {
        r =
          contender === 'tablecast' || contender === 'tablecast-bytes'
            ? await runTablecast(brokers, contender)
            : contender === 'ktables'
              ? await runKtables(brokers)
              : await runKcat(brokers, verifiedCount ?? recordsInTopic);
      } catch (error) {
        r = {
          contender,
          ok: false,
          error: String(error),
          seconds: Number.NaN,
          processWallSeconds: Number.NaN,
          recordsPerSecond: Number.NaN,
          records: null,
          size: null,
          bytesPerKey: null,
          memoryKind: null,
          stoppedBytesPerKey: null,
          atCatchUpBytesPerKey: null,
          detail: null,
        };
      }
      // Wrong counts make a run invalid: a fast but incomplete table is not a result.
      if (r.ok && r.records !== null && r.records !== recordsInTopic) {
        r = { ...r, ok: false, error: `read ${r.records} records, topic holds ${recordsInTopic}` };
      }
      if (r.ok && r.size !== null && r.size !== population.payload.keys) {
        r = {
          ...r,
          ok: false,
          error: `table has ${r.size} keys, expected ${population.payload.keys}`,
        };
      }
      const line = r.ok
        ? `${r.seconds.toFixed(3)} s, ${fmtNumber(r.recordsPerSecond)} records/s` +
          (r.bytesPerKey === null ? '' : `, ${fmtNumber(r.bytesPerKey, 1)} B/key (${r.memoryKind})`)
        : `FAILED: ${r.error}`;
      log(`  ${contender}: ${line}`);
      results.push({ ...r, run: run + 1, order: position + 1 });
    }
  }

  const summary = summarize(contenders, results, recordsInTopic, population.payload);
  const targets = evaluateTargets(summary, population.payload);
  printReport(contenders, summary, targets, {
    recordsInTopic,
    payload: population.payload,
    kafka: kafkaLabel,
    population,
  });

  const file = await writeResult(outFile, {
    benchmark: 'catchup',
    machine: machineFacts(),
    kafka: {
      brokers,
      startedByBench: broker.owned,
      version: broker.version ?? null,
      interBrokerProtocolVersion: protocolVersion ?? null,
    },
    tools: {
      kcat: haveKcat ? await kcatVersion() : null,
      ktables:
        results.find((r) => r.contender === 'ktables' && r.detail)?.detail?.ktablesVersion ?? null,
    },
    parameters: { ...spec, partitions, runs, timeoutMs, contenders, producer, compression, topic },
    dataset: {
      recordsInTopic,
      kcatVerifiedCount: verifiedCount,
      partitions: offsets.partitions,
      payload: population.payload,
      population: {
        producer: population.producer,
        seconds: population.seconds,
        recordsPerSecond: spec.records / population.seconds,
      },
    },
    runs: results,
    summary,
    targets: { thresholds: TARGETS, results: targets },
  });
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

async function kcatVersion(): Promise<string | null> {
  const r = await runChild('kcat', ['-V'], { timeoutMs: 10_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('Version '));
  return line?.replace(/ builtin\.features=.*$/, ')').trim() ?? null;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
