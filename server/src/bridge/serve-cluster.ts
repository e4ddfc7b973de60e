import cluster, { type Worker } from 'node:cluster';

export interface ClusterOptions {
  /** Worker processes, each a whole bridge (its own table replicas) on the shared port. */
  readonly workers: number;
  /** Most restarts of crashed workers over the primary's life before it gives up. Default 10. */
  readonly maxRestarts?: number;
  readonly log?: (line: string) => void;
}

/**
 * Runs the bridge on every core: the primary forks `workers` processes that each run `serve`
 * (a full bridge that replays its tables itself, so workers share nothing but the port) and
 * restarts the ones that crash. Bridges are replicas of each other: a client whose worker died
 * reconnects to another and resumes from its position.
 *
 * Returns in the workers (after `serve` resolved) and in the primary once every worker is gone
 * after SIGTERM/SIGINT, or when restarts ran out.
 */
export async function serveCluster(
  options: ClusterOptions,
  serve: () => Promise<void>,
): Promise<void> {
  if (!cluster.isPrimary) {
    await serve();
    return;
  }
  const log = options.log ?? ((line: string) => console.error(line));
  const maxRestarts = options.maxRestarts ?? 10;
  let restarts = 0;
  let stopping = false;
  const live = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) return;
      if (restarts >= maxRestarts) {
        log(
          `tablecast: worker ${worker.process.pid} exited (${signal ?? code}); no restarts left, stopping`,
        );
        stop('SIGTERM');
        return;
      }
      restarts++;
      log(`tablecast: worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      // A worker that dies at once (bad config, no Kafka) would otherwise spin.
      setTimeout(fork, Math.min(10_000, 250 * 2 ** restarts)).unref();
    });
  };
  let allGone = () => {};
  const done = new Promise<void>((resolve) => {
    allGone = resolve;
  });
  cluster.on('exit', () => {
    if (stopping && live.size === 0) allGone();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (live.size === 0) allGone();
    for (const worker of live) worker.process.kill(signal);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGTERM'));
  for (let i = 0; i < options.workers; i++) fork();
  await done;
}
