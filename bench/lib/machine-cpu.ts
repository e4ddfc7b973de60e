/**
 * The whole machine's CPU from /proc/stat, so a benchmark can say who used it: what the bridge
 * and the load clients report for themselves, and what the rest (broker, writer) took.
 */
import { readFileSync } from 'node:fs';

export interface CpuSample {
  /** Busy core-seconds since `earlier` per wall second (2 fully busy cores = 2). */
  since(earlier: CpuSample): number;
  readonly busy: number;
  readonly at: number;
}

export function machineCpu(): CpuSample {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  const busy = (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / ticksPerSecond;
  const at = performance.now() / 1000;
  return {
    busy,
    at,
    since: (earlier) => (busy - earlier.busy) / (at - earlier.at),
  };
}
