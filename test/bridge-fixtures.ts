import { afterEach, beforeEach, expect } from 'vitest';
import type { BridgeOptions } from '../server/src/bridge/bridge-options.js';
import { createBridge } from '../server/src/bridge/create-bridge.js';
import { Cleanup, liveTopic } from './fixtures.js';
import { RawClient } from './raw-client.js';

export const quiet = { warn: () => {}, error: () => {} };

/** A listening bridge over `tables`, closed by `cleanup`. */
export async function serve(
  cleanup: Cleanup,
  tables: BridgeOptions['tables'],
  extra: Partial<BridgeOptions> = {},
) {
  const bridge = cleanup.add(createBridge({ tables, logger: quiet, ...extra }), (b) =>
    b.close({ graceMs: 200 }),
  );
  const address = await bridge.listen();
  return { bridge, ...address, http: `http://127.0.0.1:${address.port}` };
}

/**
 * A strict raw client, closed by `cleanup`, which then fails the test if the bridge broke any
 * protocol invariant on its socket.
 */
export async function rawClient(
  cleanup: Cleanup,
  url: string,
  options?: Parameters<typeof RawClient.connect>[1],
) {
  return cleanup.add(await RawClient.connect(url, options), async (c) => {
    await c.close();
    expect(c.violations).toEqual([]);
  });
}

/**
 * What a bridge test file shares: a Cleanup per test (made before and disposed after each one)
 * and the helpers above bound to it. Call once, at the top of the file.
 */
export function bridgeTestBed(topicPrefix: string) {
  let current: Cleanup | undefined;
  beforeEach(() => {
    current = new Cleanup();
  });
  afterEach(() => current?.dispose());
  const bed = {
    /** The running test's cleanup. */
    get cleanup(): Cleanup {
      if (current === undefined) throw new Error('bridgeTestBed: no test is running.');
      return current;
    },
    /** A new topic with a live producer, closed by the test's cleanup. */
    fixture: (partitions = 1) => liveTopic(bed.cleanup, topicPrefix, partitions),
    serve: (tables: BridgeOptions['tables'], extra: Partial<BridgeOptions> = {}) =>
      serve(bed.cleanup, tables, extra),
    client: (url: string, options?: Parameters<typeof RawClient.connect>[1]) =>
      rawClient(bed.cleanup, url, options),
  };
  return bed;
}
