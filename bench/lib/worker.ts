/**
 * Long-lived TypeScript child processes that talk to the benchmark over Node's IPC channel.
 *
 * Parent side: {@link startWorker} forks `node --import tsx <script>` in its own process group
 * with a hard timeout; {@link killAllWorkers} kills every live one (call it on exit/SIGINT).
 * Child side: {@link workerChannel} receives and sends `{ type, ... }` messages and exits when
 * the parent goes away, so no worker outlives its benchmark.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { killGroup } from './proc.js';
import { repoRoot } from './results.js';

export interface WorkerMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface WorkerOptions {
  /** Hard limit on the worker's life; the process group gets SIGTERM, then SIGKILL 3 s later. */
  readonly timeoutMs: number;
  /** Extra node flags, e.g. `--expose-gc`, `--max-old-space-size=4096`. */
  readonly nodeFlags?: readonly string[];
  /**
   * `script` is an executable, not a TypeScript file: it is spawned as is, with the IPC channel
   * on the descriptor named by NODE_CHANNEL_FD (newline-delimited JSON), e.g. the compiled load
   * client of bench/loadclient.
   */
  readonly executable?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Runs the worker under `nice -n <nice>` (every thread of it: Go starts its threads before
   * any code of ours could lower their priority), so that a load generator gives way to the
   * process it loads whenever both want the same core.
   */
  readonly nice?: number;
  /** Prefix for the worker's stderr (and stdout) lines echoed to our stderr. */
  readonly label: string;
}

export interface Worker {
  readonly pid: number;
  readonly label: string;
  send(message: WorkerMessage): void;
  /** The next message of `type` (queued if it came earlier); rejects on timeout or exit. */
  next<T extends WorkerMessage = WorkerMessage>(type: string, timeoutMs: number): Promise<T>;
  /** `send(message)`, then `next(replyType)`. */
  request<T extends WorkerMessage = WorkerMessage>(
    message: WorkerMessage,
    replyType: string,
    timeoutMs: number,
  ): Promise<T>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Asks the worker to stop (`{type:'stop'}`), then kills its group if it is not gone in time. */
  stop(graceMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

const live = new Map<number, Worker>();

export function killAllWorkers(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const worker of live.values()) worker.kill(signal);
}

export function startWorker(
  script: string,
  args: readonly string[],
  options: WorkerOptions,
): Worker {
  const nice = options.nice ? ['-n', String(options.nice)] : undefined;
  const child: ChildProcess = options.executable
    ? spawn(nice ? 'nice' : script, nice ? [...nice, script, ...args] : [...args], {
        cwd: repoRoot,
        env: options.env ?? process.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      })
    : fork(script, [...args], {
        cwd: repoRoot,
        env: options.env ?? process.env,
        execArgv: [
          ...(nice ? [...nice, process.execPath] : []),
          '--import',
          'tsx',
          ...(options.nodeFlags ?? []),
        ],
        ...(nice ? { execPath: 'nice' } : {}),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${script}`);
  const echo = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.length > 0) process.stderr.write(`${options.label}${line}\n`);
    }
  };
  child.stdout?.on('data', echo);
  child.stderr?.on('data', echo);

  const queues = new Map<string, WorkerMessage[]>();
  const waiters = new Set<{
    type: string;
    resolve: (m: WorkerMessage) => void;
    reject: (e: Error) => void;
  }>();
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  child.on('message', (raw) => {
    const message = raw as WorkerMessage;
    if (message === null || typeof message !== 'object' || typeof message.type !== 'string') return;
    for (const w of waiters) {
      if (w.type === message.type) {
        waiters.delete(w);
        w.resolve(message);
        return;
      }
    }
    if (message.type === 'fatal') {
      const error = new Error(`${options.label.trim()} failed: ${String(message.error)}`);
      for (const w of waiters) w.reject(error);
      waiters.clear();
    }
    const queue = queues.get(message.type) ?? [];
    queue.push(message);
    queues.set(message.type, queue);
  });

  const timer = setTimeout(() => {
    process.stderr.write(`${options.label}hard timeout (${options.timeoutMs} ms): killing\n`);
    worker.kill('SIGTERM');
    setTimeout(() => worker.kill('SIGKILL'), 3_000).unref();
  }, options.timeoutMs);
  timer.unref();

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(pid);
      exitInfo = { code, signal };
      const error = new Error(
        `${options.label.trim()} exited (${code ?? signal}) while a reply was awaited`,
      );
      for (const w of waiters) w.reject(error);
      waiters.clear();
      resolve(exitInfo);
    });
  });

  const worker: Worker = {
    pid,
    label: options.label,
    send(message) {
      if (child.connected) child.send(message);
    },
    next<T extends WorkerMessage>(type: string, timeoutMs: number): Promise<T> {
      const queued = queues.get(type);
      if (queued !== undefined && queued.length > 0) return Promise.resolve(queued.shift() as T);
      const fatal = queues.get('fatal')?.[0];
      if (fatal !== undefined) {
        return Promise.reject(new Error(`${options.label.trim()} failed: ${String(fatal.error)}`));
      }
      if (exitInfo !== undefined) {
        return Promise.reject(
          new Error(`${options.label.trim()} already exited (${exitInfo.code ?? exitInfo.signal})`),
        );
      }
      return new Promise<T>((resolve, reject) => {
        const entry = {
          type,
          resolve: (m: WorkerMessage) => {
            clearTimeout(t);
            resolve(m as T);
          },
          reject: (e: Error) => {
            clearTimeout(t);
            reject(e);
          },
        };
        const t = setTimeout(() => {
          waiters.delete(entry);
          reject(new Error(`${options.label.trim()}: no "${type}" within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(entry);
      });
    },
    request<T extends WorkerMessage>(message: WorkerMessage, replyType: string, timeoutMs: number) {
      const reply = worker.next<T>(replyType, timeoutMs);
      worker.send(message);
      return reply;
    },
    exited,
    async stop(graceMs = 10_000) {
      if (exitInfo !== undefined) return;
      worker.send({ type: 'stop' });
      let t: NodeJS.Timeout | undefined;
      const gone = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => {
          t = setTimeout(() => r(false), graceMs);
        }),
      ]);
      clearTimeout(t);
      if (!gone) {
        worker.kill('SIGKILL');
        await exited;
      }
    },
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (exitInfo === undefined) killGroup(pid, signal);
    },
  };
  live.set(pid, worker);
  return worker;
}

export interface WorkerChannel {
  send(message: WorkerMessage): void;
  /** Registers the handler for messages of `type`; a handler that throws reports `fatal`. */
  on(type: string, handler: (message: WorkerMessage) => void | Promise<void>): void;
}

/**
 * The child side. Exits when the parent disconnects. A `stop` message runs `onStop` (bounded by
 * 10 s) and exits 0; unhandled errors are reported as `{ type: 'fatal', error }` before exiting 1.
 */
export function workerChannel(onStop: () => Promise<void> = async () => {}): WorkerChannel {
  if (process.send === undefined) throw new Error('this script runs as a worker (startWorker)');
  const handlers = new Map<string, (message: WorkerMessage) => void | Promise<void>>();
  const send = (message: WorkerMessage) => {
    if (process.connected) process.send?.(message);
  };
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code), 10_000);
    force.unref();
    try {
      await onStop();
    } finally {
      process.exit(code);
    }
  };
  const fatal = (error: unknown) => {
    send({
      type: 'fatal',
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    void stop(1);
  };
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(143));
  process.on('SIGINT', () => void stop(130));
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  process.on('message', (raw) => {
    const message = raw as WorkerMessage;
    if (message?.type === 'stop') {
      void stop(0);
      return;
    }
    const handler = handlers.get(message?.type);
    if (handler === undefined) return;
    try {
      const r = handler(message);
      if (r instanceof Promise) r.catch(fatal);
    } catch (error) {
      fatal(error);
    }
  });
  return {
    send,
    on(type, handler) {
      handlers.set(type, handler);
    },
  };
}
