/**
 * Which process holds a benchmark's subscribers: `go`, the compiled bench/loadclient (one epoll
 * thread reading every socket, a few µs of CPU per frame, so the bridge, not the load, saturates
 * the machine), or `node`, bench/load-clients.ts (raw `ws` sockets; no Go toolchain needed). Both
 * speak the same worker messages.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './results.js';
import { startWorker, type Worker, type WorkerMessage, type WorkerOptions } from './worker.js';

/** What a load client answers to `report` (and, with fewer fields filled, to `reset`). */
export type LoadClientReport = WorkerMessage & {
  frames: number;
  bytes: number;
  changes: number;
  live: number;
  closed: number;
  failed: number;
  minChanges: number;
  maxChanges: number;
  closeCodes: Record<string, number>;
  errors: Record<string, number>;
  /** The process's CPU time so far; the Node load client may not report it. */
  cpuSeconds?: number;
};

export type LoadClientKind = 'go' | 'node';

let built: string | undefined;

/** Builds bench/loadclient once per run into .cache/ (standard library only: no download). */
function goBinary(): string {
  if (built) return built;
  const out = path.join(repoRoot, '.cache', 'bench-loadclient');
  execFileSync('go', ['build', '-o', out, '.'], {
    cwd: path.join(repoRoot, 'bench', 'loadclient'),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  built = out;
  return out;
}

export function startLoadClient(
  kind: LoadClientKind,
  args: readonly string[],
  options: WorkerOptions,
): Worker {
  return kind === 'go'
    ? startWorker(goBinary(), args, { ...options, executable: true })
    : startWorker(path.join(repoRoot, 'bench', 'load-clients.ts'), args, options);
}

export function parseLoadClientKind(value: string): LoadClientKind {
  if (value === 'go' || value === 'node') return value;
  throw new Error(`--load-client must be go or node, got ${JSON.stringify(value)}`);
}
