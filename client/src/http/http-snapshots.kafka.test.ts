import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BridgeOptions } from '../../../server/src/bridge/bridge-options.js';
import { createBridge } from '../../../server/src/bridge/create-bridge.js';
import { testClient, untilMap } from '../../../test/client-fixtures.js';
import { Cleanup, liveTopic } from '../../../test/fixtures.js';
import type { ClientOptions } from '../client-options.js';
import type { WebSocketLikeConstructor } from '../websocket-like.js';
import { httpSnapshots } from './http-snapshots.js';

// The HTTP snapshot source end to end in Node: a real bridge over real Kafka, Node's own fetch,
// and `ws` for the socket. Chromium, cross-origin, is in e2e/http-snapshot.e2e.test.ts.

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

async function served(extra: Partial<BridgeOptions> = {}) {
  const { table, writer } = await liveTopic(cleanup, 'http-snapshots', 2);
  for (let i = 0; i < 2_500; i++) void writer.set(`k${i}`, { i, at: new Date(i) });
  await writer.set('k0', { i: 0, at: new Date(0) });
  await table.barrier(30_000);
  const bridge = cleanup.add(
    createBridge({ tables: { flags: table }, logger: quiet, ...extra }),
    (b) => b.close({ graceMs: 100 }),
  );
  const { url, port } = await bridge.listen({ port: 0 });
  return { table, writer, url, http: `http://127.0.0.1:${port}` };
}

/** `ws`, recording the snapshot modes the socket brought. */
function recording() {
  const modes: string[] = [];
  class Recording extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { type: string; mode?: string };
        if (message.type === 'snapshot-begin') modes.push(message.mode!);
      });
    }
  }
  return { WebSocket: Recording as unknown as WebSocketLikeConstructor, modes };
}

const client = (url: string, extra: Partial<ClientOptions> = {}) => testClient(cleanup, url, extra);

describe('httpSnapshots() against a bridge', () => {
  it('loads the table over HTTP, authorized like the socket, then resumes and stays live over the socket', async () => {
    const { writer, table, url, http } = await served({
      authorize: (r) => r.url.searchParams.get('token') === 'good',
    });
    const socket = recording();
    const { client: c, errors } = client(`${url}/tablecast?tenant=t1`, {
      WebSocket: socket.WebSocket,
      token: () => 'good',
      snapshotSource: httpSnapshots(),
    });
    const flags = c.table<{ i: number; at: Date }>('flags');
    expect(await flags.whenCaughtUp({ timeoutMs: 20_000 })).toBe(true);
    expect(flags.size).toBe(2_500);
    expect(flags.get('k7')).toEqual({ i: 7, at: new Date(7) });
    // The bulk came over HTTP; the socket only resumed from the HTTP snapshot's position.
    const metrics = await (await fetch(`${http}/metrics`)).text();
    const bytes = Number(/^tablecast_http_snapshot_bytes_total\{[^}]+\} (\d+)$/m.exec(metrics)![1]);
    expect(bytes).toBeGreaterThan(2_500 * 40);
    await untilMap(flags, (map) => map.size === 2_500 && socket.modes.length === 1);
    expect(socket.modes).toEqual(['resume']);
    await writer.set('late', { i: -1, at: new Date(1) });
    await untilMap(flags, (map) => map.has('late'));
    expect(flags.position).toEqual({ topicId: table.topicId, offsets: [...table.position] });
    expect(errors).toEqual([]);
  });

  it('falls back to the socket with one HTTP_SNAPSHOT error when the HTTP side cannot be reached', async () => {
    const { url } = await served();
    const socket = recording();
    const { client: c, errors } = client(url, {
      WebSocket: socket.WebSocket,
      // Nothing listens on port 9 of loopback.
      snapshotSource: httpSnapshots({ url: 'http://127.0.0.1:9' }),
    });
    const flags = c.table('flags');
    expect(await flags.whenCaughtUp({ timeoutMs: 20_000 })).toBe(true);
    expect(flags.size).toBe(2_500);
    expect(socket.modes).toEqual(['reset']);
    expect(errors.map((e) => [e.code, e.table])).toEqual([['HTTP_SNAPSHOT', 'flags']]);
  });
});
