import type { Cleanups } from './lib/lifecycle.js';
import type { WorkerMessage } from './lib/worker.js';

/** What the hostile-clients runs share: the run's options, the table's name and the cleanups. */
export interface HostileSettings {
  readonly keys: number;
  readonly valueBytes: number;
  /** Stalled sockets, and subscriptions on each. */
  readonly sockets: number;
  readonly subsPerSocket: number;
  /** Clients measuring delta latency, and the writes per second they measure. */
  readonly clients: number;
  readonly rate: number;
  readonly durationMs: number;
  /** Subscribe/unsubscribe pairs the flooding socket sends. */
  readonly floodPairs: number;
  /** The bridge's per-socket budget (`slowClientBytes`). */
  readonly budget: number;
  readonly table: string;
  readonly cleanups: Cleanups;
}

/** What bench/bridge-host.ts answers to `stats` (the part these runs read). */
export type BridgeStats = WorkerMessage & {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuShare: number;
  rss: number;
  bytesSent: number;
  connections: number;
  rateLimited: number;
};
