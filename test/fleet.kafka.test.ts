import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../client/src/create-client.js';
import type { WebSocketLikeConstructor } from '../client/src/websocket-like.js';
import { KafkaTableWriter } from '../server/src/kafka-table-writer.js';
import { codecs } from '../shared/src/codecs/index.js';
import { untilMap } from './client-fixtures.js';
import { Cleanup } from './fixtures.js';
import { startBridgeProcess, startHaproxy } from './fleet.js';
import { brokers, uniqueTopic } from './kafka.js';
import { RawClient } from './raw-client.js';

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

interface Seen {
  /** The bridge id of every welcome, in order: which replica served the client. */
  readonly bridges: string[];
  /** The mode of every snapshot-begin, in order. */
  readonly snapshots: string[];
}

/** The `ws` client, recording the protocol messages the client library is handed. */
function recordingWebSocket(seen: Seen): WebSocketLikeConstructor {
  class Recording extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on('message', (data) => {
        const message = JSON.parse(String(data)) as {
          type: string;
          bridge?: string;
          mode?: string;
        };
        if (message.type === 'welcome') seen.bridges.push(message.bridge!);
        if (message.type === 'snapshot-begin') seen.snapshots.push(message.mode!);
      });
    }
  }
  return Recording as unknown as WebSocketLikeConstructor;
}

async function bridgeId(url: string): Promise<string> {
  const raw = await RawClient.connect(url);
  const welcome = await raw.next('welcome');
  await raw.close();
  return welcome.bridge;
}

const CLIENTS = 12;
const KEYS = 200;
const WRITES = 1_200;

describe('a fleet of bridges behind HAProxy', () => {
  it('clients of a replica killed under load resume on the other: no time travel, no reset', async () => {
    const topic = uniqueTopic('fleet');
    const dir = await mkdtemp(join(tmpdir(), 'tablecast-fleet-'));
    const config = join(dir, 'tablecast.json');
    await writeFile(
      config,
      JSON.stringify({ tables: { fleet: { topic, value: 'json', numPartitions: 3 } } }),
    );
    const writer = cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.json() }),
      (w) => w.stop(),
    );
    // The model: the last write per key; `seq` grows with every write, across keys.
    const model = new Map<string, { seq: number }>();
    let seq = 0;
    const write = async (key: string, remove: boolean) => {
      const value = { seq: ++seq };
      if (remove) {
        model.delete(key);
        await writer.delete(key);
      } else {
        model.set(key, value);
        await writer.set(key, value);
      }
    };
    const [a, b] = await Promise.all([
      startBridgeProcess(cleanup, config, brokers()),
      startBridgeProcess(cleanup, config, brokers()),
    ]);
    await writer.start();
    for (let i = 0; i < KEYS; i++) await write(`key-${i}`, false);

    const lb = await startHaproxy(cleanup, dir, { BRIDGE_A: a.address, BRIDGE_B: b.address });
    await lb.serversUp(['bridge-a', 'bridge-b'], 20_000);
    const ids = { a: await bridgeId(a.url), b: await bridgeId(b.url) };

    // Every client records what it was sent and checks, on every applied batch, that no key
    // ever shows an older write than one it already showed.
    const timeTravel: string[] = [];
    const clients = Array.from({ length: CLIENTS }, () => {
      const seen: Seen = { bridges: [], snapshots: [] };
      const client = cleanup.add(
        createClient({
          url: lb.url,
          WebSocket: recordingWebSocket(seen),
          backoff: { initialDelayMs: 50, maxDelayMs: 500 },
        }),
        (c) => c.close(),
      );
      const handle = client.table<{ seq: number }>('fleet');
      const highest = new Map<string, number>();
      handle.subscribe(() => {
        for (const [key, value] of handle.getSnapshot()) {
          if (value.seq < (highest.get(key) ?? 0)) {
            timeTravel.push(`${key}: ${value.seq} after ${highest.get(key)}`);
          }
          highest.set(key, Math.max(value.seq, highest.get(key) ?? 0));
        }
      });
      return { seen, handle };
    });
    for (const { handle } of clients) {
      expect(await handle.whenCaughtUp({ timeoutMs: 20_000 })).toBe(true);
    }
    const on = (id: string) => clients.filter((c) => c.seen.bridges[0] === id);
    // leastconn spreads the sockets over both healthy replicas.
    expect(on(ids.a).length).toBeGreaterThan(0);
    expect(on(ids.b).length).toBeGreaterThan(0);

    // Load: writes keep coming while one replica dies mid-stream (kill -9: no goaway).
    const victims = on(ids.a);
    let killedAt = 0;
    for (let i = 0; i < WRITES; i++) {
      const key = `key-${(i * 7919) % KEYS}`;
      await write(key, i % 10 === 9);
      if (i === WRITES / 3) {
        a.child.kill('SIGKILL');
        killedAt = performance.now();
      }
    }

    for (const { handle } of clients) {
      await untilMap(handle, (m) => sameAsModel(m, model), 30_000);
    }
    const recoveredMs = performance.now() - killedAt;
    for (const { seen } of victims) {
      // Moved to the surviving replica, which resumed the client from its position.
      expect(seen.bridges.at(-1)).toBe(ids.b);
      expect(seen.snapshots[0]).toBe('reset');
      expect(seen.snapshots.slice(1)).not.toContain('reset');
      expect(seen.snapshots.slice(1)).toContain('resume');
    }
    expect(timeTravel).toEqual([]);
    console.info(
      `fleet: ${victims.length}/${CLIENTS} clients moved to the other replica and matched the topic ${Math.round(recoveredMs)} ms after the kill`,
    );
  }, 120_000);
});

function sameAsModel(
  map: ReadonlyMap<string, { seq: number }>,
  model: Map<string, { seq: number }>,
) {
  if (map.size !== model.size) return false;
  for (const [key, value] of model) if (map.get(key)?.seq !== value.seq) return false;
  return true;
}
