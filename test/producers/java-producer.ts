import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureKafkaJars, REPO_ROOT } from '../../scripts/kafka/fetch.js';

/** One record as the Java producer sends it; `value: null` is a tombstone. */
export interface JavaRecord {
  readonly key: string | null;
  readonly value: string | null;
  /** A map, or a list to send repeated names, null values and a chosen order. */
  readonly headers?:
    | Readonly<Record<string, string>>
    | ReadonlyArray<readonly [name: string, value: string | null]>;
  readonly partition?: number;
  /** The record's CreateTime in ms; default: the producer's clock. */
  readonly timestamp?: number;
}

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** One flush; with a transactional id, one transaction ended as `end` says. */
export interface JavaStep {
  readonly records: readonly JavaRecord[];
  /** 'open' waits for `JavaProducerRun.finish()` before it commits or aborts. */
  readonly end?: 'flush' | 'commit' | 'abort' | 'open';
}

/** One producer instance (one producer id) writing `steps` to `topic`. */
export interface JavaJob {
  readonly topic: string;
  readonly compression?: Compression;
  /** Default true, as in the Java client since Kafka 3.0. */
  readonly idempotence?: boolean;
  readonly transactionalId?: string;
  /** Extra producer configs, e.g. `{ 'batch.size': '512' }`. */
  readonly config?: Readonly<Record<string, string>>;
  readonly steps: readonly JavaStep[];
}

export interface JavaProducerSpec {
  readonly bootstrap: string;
  /** Producer configs for every job (security settings, say). */
  readonly config?: Readonly<Record<string, string>>;
  readonly jobs: readonly JavaJob[];
}

export interface JavaProducerRun {
  /** Resolves when a step with `end: 'open'` has flushed its records and waits. */
  opened(): Promise<void>;
  /** Ends the open transaction. */
  finish(end: 'commit' | 'abort'): void;
  /** Resolves when every job is written; rejects with the JVM's output if it failed. */
  readonly done: Promise<void>;
  kill(): void;
}

const SOURCE = fileURLToPath(new URL('./JavaProducer.java', import.meta.url));
let compiled: Promise<string> | undefined;

/**
 * Compiles JavaProducer.java once per source version into .cache/, so a test run pays javac
 * (~2 s) at most once, and each producer run only a JVM start.
 */
export function compileJavaProducer(): Promise<string> {
  compiled ??= (async () => {
    const libs = await ensureKafkaJars();
    const digest = createHash('sha256')
      .update(await readFile(SOURCE))
      .update(libs)
      .digest('hex')
      .slice(0, 16);
    const classes = join(REPO_ROOT, '.cache', 'java-producer', digest);
    if (await exists(join(classes, 'JavaProducer.class'))) return classes;
    // Compiled into a private folder and renamed, so parallel runs never see half a class.
    const staging = `${classes}.tmp-${process.pid}`;
    await mkdir(staging, { recursive: true });
    try {
      await run('javac', ['-d', staging, '-cp', join(libs, '*'), SOURCE]);
      await rename(staging, classes).catch(async (error: unknown) => {
        if (!(await exists(join(classes, 'JavaProducer.class')))) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return classes;
  })();
  return compiled;
}

/** Starts one JVM that runs every job of `spec` in order. */
export async function runJavaProducer(spec: JavaProducerSpec): Promise<JavaProducerRun> {
  const [classes, libs] = await Promise.all([compileJavaProducer(), ensureKafkaJars()]);
  const child = spawn(
    javaBinary(),
    ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', `${classes}:${join(libs, '*')}`, 'JavaProducer'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output.push(chunk);
  });
  const openWaiters: Array<() => void> = [];
  let opens = 0;
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    output.push(`${line}\n`);
    const event = parseEvent(line);
    if (event === 'open') {
      opens++;
      openWaiters.shift()?.();
    }
  });
  const done = exited(child).then(({ code, signal }) => {
    if (code !== 0) {
      throw new Error(
        `JavaProducer failed (${signal ?? `exit ${code}`}):\n${output.join('').slice(-4_000)}`,
      );
    }
  });
  // A test may never await `done` when it fails early; the rejection is reported through it.
  done.catch(() => undefined);
  child.stdin!.write(`${JSON.stringify(spec)}\n`);
  return {
    opened() {
      if (opens > 0) {
        opens--;
        return Promise.resolve();
      }
      return Promise.race([
        new Promise<void>((resolve) => openWaiters.push(resolve)),
        done.then(() => {
          throw new Error('JavaProducer finished without opening a transaction.');
        }),
      ]);
    },
    finish(end) {
      child.stdin!.write(`${end}\n`);
    },
    done,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Runs `spec` to the end (no open transactions). */
export async function produceWithJava(spec: JavaProducerSpec): Promise<void> {
  const producer = await runJavaProducer(spec);
  try {
    await producer.done;
  } finally {
    producer.kill();
  }
}

function parseEvent(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return (JSON.parse(line) as { event?: string }).event;
  } catch {
    return undefined;
  }
}

export function javaBinary(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

async function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { code: child.exitCode, signal: child.signalCode };
  }
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return { code, signal };
}

async function run(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const { code, signal } = await exited(child);
  if (code !== 0) throw new Error(`${command} failed (${signal ?? `exit ${code}`}):\n${output}`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
