/**
 * Teardown for benchmark entry points: registered steps run in reverse order on normal exit,
 * on error and on SIGINT/SIGTERM (a second signal exits at once), after every child process
 * and worker has been killed.
 */
import { killAllChildren } from './proc.js';
import { killAllWorkers } from './worker.js';

export class Cleanups {
  readonly #steps: Array<{ name: string; fn: () => Promise<void> }> = [];
  readonly #log: (message: string) => void;
  #running: Promise<void> | undefined;
  #signals = 0;

  constructor(log: (message: string) => void) {
    this.#log = log;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        this.#signals++;
        if (this.#signals > 1) process.exit(130);
        log(`${signal}: cleaning up (again to force)`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }

  /** True once teardown started: loops should stop starting new work. */
  get aborting(): boolean {
    return this.#running !== undefined;
  }

  add(name: string, fn: () => Promise<void>): void {
    this.#steps.push({ name, fn });
  }

  /**
   * A benchmark's whole life: runs `main`, logs what it threw, cleans up, and exits the process
   * with `main`'s code (1 when it threw).
   */
  async exitAfter(main: () => Promise<number>): Promise<never> {
    let exitCode = 1;
    try {
      exitCode = await main();
    } catch (error) {
      this.#log(
        `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    } finally {
      await this.run();
    }
    process.exit(exitCode);
  }

  run(): Promise<void> {
    this.#running ??= (async () => {
      killAllWorkers();
      killAllChildren();
      for (const { name, fn } of this.#steps.reverse()) {
        try {
          await withTimeout(fn(), 60_000, name);
        } catch (error) {
          this.#log(`cleanup ${name} failed: ${String(error)}`);
        }
      }
    })();
    return this.#running;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
