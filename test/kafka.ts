import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap servers of the broker shared by the whole test run. */
    kafkaBrokers: string;
  }
}

export function brokers(): string[] {
  return inject('kafkaBrokers')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

let sequence = 0;
// Test files run in parallel workers against one broker, so a per-process counter alone
// is not enough; the random part keeps names apart across workers and reruns.
const runId = randomBytes(3).toString('hex');

/**
 * A topic name no other call (in any worker) returns. Kafka warns that '.' and '_' may
 * collide in metric names, so everything but letters, digits and '-' becomes '-'.
 */
export function uniqueTopic(prefix: string): string {
  const safePrefix = prefix.replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 120) || 'topic';
  sequence += 1;
  return `${safePrefix}-${runId}-${process.pid}-${sequence}`;
}
