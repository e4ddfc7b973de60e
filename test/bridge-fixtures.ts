import { expect } from 'vitest';
import type { BridgeOptions } from '../server/src/bridge/bridge-options.js';
import { createBridge } from '../server/src/bridge/create-bridge.js';
import type { Cleanup } from './fixtures.js';
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
