import * as path from 'node:path';
import { assertOk, lastJsonLine, type RunResult, runChild } from './lib/proc.js';
import { repoRoot } from './lib/results.js';

export type Contender = 'tablecast' | 'tablecast-bytes' | 'kcat' | 'ktables';
export const ALL_CONTENDERS: readonly Contender[] = [
  'tablecast',
  'tablecast-bytes',
  'kcat',
  'ktables',
];

export const venvPython = path.join(repoRoot, '.cache', 'bench-venv', 'bin', 'python');

export interface RunRecord {
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

/** A run as a contender reports it, before the loop numbers it. */
export type ContenderRun = Omit<RunRecord, 'run' | 'order'>;

/** The topic the contenders read, and how long a read may take. */
export interface CatchupTopic {
  readonly brokers: string;
  readonly topic: string;
  readonly timeoutMs: number;
}

/** Whether `file args` runs and exits 0. */
export async function commandAvailable(file: string, args: readonly string[]): Promise<boolean> {
  try {
    const r = await runChild(file, args, { timeoutMs: 10_000 });
    return r.code === 0;
  } catch {
    return false;
  }
}

/** Installs the Python reference (ktables) when it runs. */
export async function setupReferences(
  contenders: readonly Contender[],
  log: (message: string) => void,
): Promise<void> {
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

/** One run of the tablecast child (bench/catchup-tablecast.ts) with the JSON or bytes codec. */
export async function runTablecast(
  { brokers, topic, timeoutMs }: CatchupTopic,
  contender: 'tablecast' | 'tablecast-bytes',
): Promise<ContenderRun> {
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

/** One run of the Python reference, bench/ktables_catchup.py. */
export async function runKtables({
  brokers,
  topic,
  timeoutMs,
}: CatchupTopic): Promise<ContenderRun> {
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

function fromJsonChild(contender: Contender, result: RunResult): ContenderRun {
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

const kcatConsumeArgs = ({ brokers, topic }: CatchupTopic, format: string): string[] => [
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

/** One kcat read of the whole topic: the librdkafka floor. */
export async function runKcat(target: CatchupTopic, expected: number): Promise<ContenderRun> {
  const result = await runChild('kcat', kcatConsumeArgs(target, '%k%s\n'), {
    timeoutMs: target.timeoutMs,
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
export async function kcatCount(target: CatchupTopic): Promise<number> {
  const result = await runChild('kcat', kcatConsumeArgs(target, '%o\n'), {
    timeoutMs: target.timeoutMs,
    stdout: 'count-lines',
  });
  assertOk(result, 'kcat verification read');
  return result.lines;
}

export async function kcatVersion(): Promise<string | null> {
  const r = await runChild('kcat', ['-V'], { timeoutMs: 10_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('Version '));
  return line?.replace(/ builtin\.features=.*$/, ')').trim() ?? null;
}

/** A run that threw before it reported. */
export function failedRun(contender: Contender, error: unknown): ContenderRun {
  return {
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
