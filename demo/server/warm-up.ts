import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from '../../server/src/kafkajs.js';

/**
 * Waits (bounded) until the broker's group coordinator has loaded. On a broker that has just
 * started, the first consumer groups can meet COORDINATOR_LOAD_IN_PROGRESS, which kafkajs
 * reports as a consumer crash; asking for a group first makes the broker create and load
 * `__consumer_offsets` before the demo's tables join. Returns false if it did not get there.
 */
export async function waitForGroupCoordinator(
  brokers: readonly string[],
  timeoutMs = 30_000,
): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'tablecast-demo-warm-up',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  const deadline = Date.now() + timeoutMs;
  try {
    await admin.connect();
    while (Date.now() < deadline) {
      try {
        // kafkajs throws on a group error code, COORDINATOR_LOAD_IN_PROGRESS included.
        await admin.describeGroups(['tablecast-demo-warm-up']);
        return true;
      } catch {
        // loading, or the coordinator moved: ask again
      }
      await sleep(200);
    }
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
