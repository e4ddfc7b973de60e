import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBridge } from '../../server/src/bridge/create-bridge.js';
import { GroupedKafkaTable } from '../../server/src/grouped-kafka-table.js';
import { GroupedKafkaTableWriter } from '../../server/src/grouped-kafka-table-writer.js';
import { KafkaTable } from '../../server/src/kafka-table.js';
import { KafkaTableWriter } from '../../server/src/kafka-table-writer.js';
import { defaultCompositeKeyCodec as codec } from '../../shared/src/codecs/composite-key.js';
import { json } from '../../shared/src/codecs/json.js';
import { untilMap } from '../../test/client-fixtures.js';
import { Cleanup } from '../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { createClient } from './create-client.js';
import { grouped, groupFilter } from './grouped.js';
import type { WebSocketLikeConstructor } from './websocket-like.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

describe('grouped tables through the bridge', () => {
  it('serves one group as an exact prefix subscription, and the whole table as a nested view', async () => {
    const topic = uniqueTopic('grouped-bridge');
    const table = cleanup.add(
      new GroupedKafkaTable(
        new KafkaTable({
          brokers: brokers(),
          topic,
          valueCodec: json(),
          numPartitions: 2,
          logger: quiet,
        }),
      ),
      (t) => t.stop(),
    );
    await table.start();
    const writer = cleanup.add(
      new GroupedKafkaTableWriter(
        new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: json() }),
      ),
      (w) => w.stop(),
    );
    await writer.start();
    await writer.set('a', 'x', 1);
    await writer.set('a', '1x', 2); // key 1:a1x — must stay in group "a"
    await writer.set('a1', 'x', 3); // key 2:a1x — must not
    await writer.set('🚀', 'y', 4);
    expect(await table.barrier(10_000)).toBe(true);

    const bridge = cleanup.add(
      createBridge({
        tables: { registry: table.table },
        writers: { registry: writer.writer },
        logger: quiet,
      }),
      (b) => b.close({ graceMs: 100 }),
    );
    const { url } = await bridge.listen();
    const client = cleanup.add(
      createClient({ url, WebSocket: WebSocket as unknown as WebSocketLikeConstructor }),
      (c) => c.close(),
    );
    const groupA = client.table<number>('registry', groupFilter('a'));
    const whole = grouped(client.table<number>('registry'));
    expect(await groupA.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
    expect(await whole.handle.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
    expect(grouped(groupA).groups()).toEqual(['a']);
    expect(grouped(groupA).members('a')).toEqual(
      new Map([
        ['x', 1],
        ['1x', 2],
      ]),
    );
    const nested = (view: ReadonlyMap<string, ReadonlyMap<string, unknown>>) =>
      Object.fromEntries([...view].map(([g, m]) => [g, Object.fromEntries(m)]));
    expect(nested(whole.getSnapshot())).toEqual(nested(table.snapshot()));

    // Live changes: the "a1" change reaches the whole table but not the "a" subscription.
    await writer.set('a1', 'z', 5);
    await writer.delete('a', 'x');
    await untilMap(groupA, (m) => m.size === 1);
    await untilMap(whole.handle, () => whole.get('a1', 'z') === 5 && !whole.has('a', 'x'));
    expect([...groupA.keys()]).toEqual(['1:a1x']);

    // Writes through the bridge under the composite key; read back by the server's index.
    const receipt = await grouped(groupA).set('a', '🚀', 7);
    expect(await table.waitFor(receipt, 10_000)).toBe(true);
    expect(table.get('a', '🚀')).toBe(7);
    expect(groupA.get(codec.encode('a', '🚀'))).toBe(7);
  });
});
