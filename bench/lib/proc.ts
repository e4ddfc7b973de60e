/**
 * Child processes for benchmarks: each contender runs in its own process group with a hard
 * timeout, and every live child is killed when the benchmark itself is interrupted.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Hard limit; the whole process group gets SIGTERM, then SIGKILL 5 s later. */
  readonly timeoutMs: number;
  /** `capture` (default) keeps stdout in memory; `ignore` sends it to /dev/null. */
  readonly stdout?: 'capture' | 'ignore' | 'count-lines';
  /** Echo the child's stderr to ours (prefixed) instead of only keeping its tail. */
  readonly echoStderr?: string;
  /** Keep at most this many bytes of captured stdout (default 16 MiB). */
  readonly maxStdoutBytes?: number;
  /** Streamed to the child's stdin with backpressure; stdin is closed at the end. */
  readonly input?: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
}

export interface RunResult {
  readonly command: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly wallSeconds: number;
  readonly stdout: string;
  /** Newlines seen on stdout when `stdout: 'count-lines'`. */
  readonly lines: number;
  /** The last 8 KiB of stderr. */
  readonly stderrTail: string;
}

const live = new Set<number>();

/** Kills every child started by {@link runChild} that is still running (best effort). */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of live) killGroup(pid, signal);
}

/** Kills a child's process group (children start detached), or the child alone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function runChild(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const mode = options.stdout ?? 'capture';
  const maxStdout = options.maxStdoutBytes ?? 16 * 1024 * 1024;
  const command = [file, ...args].join(' ');
  return new Promise<RunResult>((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: [
        options.input === undefined ? 'ignore' : 'pipe',
        mode === 'ignore' ? 'ignore' : 'pipe',
        'pipe',
      ],
    });
    const pid = child.pid;
    if (pid === undefined) {
      child.once('error', reject);
      return;
    }
    live.add(pid);
    let inputError: unknown;
    if (options.input !== undefined && child.stdin !== null) {
      pipeline(Readable.from(options.input, { objectMode: false }), child.stdin).catch((err) => {
        inputError = err;
      });
    }
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let lines = 0;
    let stderr = '';
    let timedOut = false;

    child.stdout?.on('data', (chunk: Buffer) => {
      if (mode === 'count-lines') {
        let i = chunk.indexOf(10);
        while (i !== -1) {
          lines++;
          i = chunk.indexOf(10, i + 1);
        }
      } else if (stdoutBytes < maxStdout) {
        stdoutChunks.push(chunk);
        stdoutBytes += chunk.length;
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (options.echoStderr !== undefined) {
        for (const line of chunk.split('\n')) {
          if (line.length > 0) process.stderr.write(`${options.echoStderr}${line}\n`);
        }
      }
      stderr = (stderr + chunk).slice(-8192);
    });

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(pid, 'SIGTERM');
      setTimeout(() => killGroup(pid, 'SIGKILL'), 5_000).unref();
    }, options.timeoutMs);

    child.once('error', (err) => {
      clearTimeout(timer);
      live.delete(pid);
      reject(err);
    });
    child.once('close', (code, signal) => {
      const wallSeconds = (performance.now() - start) / 1000;
      clearTimeout(timer);
      live.delete(pid);
      if (inputError !== undefined && code === 0) {
        reject(new Error(`writing stdin of ${command} failed: ${String(inputError)}`));
        return;
      }
      resolve({
        command,
        code,
        signal,
        timedOut,
        wallSeconds,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
        lines,
        stderrTail: stderr,
      });
    });
  });
}

/** Throws with the stderr tail unless the child exited 0 in time. */
export function assertOk(result: RunResult, what: string): void {
  if (result.timedOut) {
    throw new Error(
      `${what}: timed out after ${result.wallSeconds.toFixed(1)} s (${result.command})`,
    );
  }
  if (result.code !== 0) {
    throw new Error(
      `${what}: exited with ${result.code ?? result.signal} (${result.command})\n${result.stderrTail}`,
    );
  }
}

/** The last line of stdout that parses as a JSON object. */
export function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // not JSON, keep looking
    }
  }
  return undefined;
}
