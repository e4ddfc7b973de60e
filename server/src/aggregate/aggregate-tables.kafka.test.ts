import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../../../client/src/create-client.js';
import type { WebSocketLikeConstructor } from '../../../client/src/websocket-like.js';
import { groupByModel, type LoggedRecord, windowedModel } from '../../../test/aggregate-model.js';
import { serve as bridgeAt, quiet } from '../../../test/bridge-fixtures.js';
import { untilMap } from '../../../test/client-fixtures.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  testKafka,
} from '../../../test/fixtures.js';
import { freePort } from '../../../test/free-port.js';
import { brokers, uniqueTopic } from '../../../test/kafka.js';
import { parseBridgeConfig, tablesFromConfig } from '../bridge/bridge-config.js';
import { createBridge } from '../bridge/create-bridge.js';
import type { KafkaTable } from '../kafka-table.js';
import { groupByTable } from './group-by-table.js';
import { windowedTable } from './windowed-table.js';

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

/** A small seeded generator (mulberry32), so a failing run can be replayed from its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

interface Order {
  readonly status: string;
  readonly amount?: number;
}

const AGGS = {
  count: { op: 'count' },
  total: { op: 'sum', field: 'amount' },
  low: { op: 'min', field: 'amount' },
  high: { op: 'max', field: 'amount' },
  mean: { op: 'avg', field: 'amount' },
} as const;
const aggregates = Object.fromEntries(
  Object.entries(AGGS).map(([name, { op, ...rest }]) => [
    name,
    'field' in rest ? { op, field: (v: Order) => v.amount } : op,
  ]),
);

async function topicWithWriter(
  prefix: string,
  partitions: number,
  configs: Record<string, string>,
) {
  const topic = uniqueTopic(prefix);
  const kafka = testKafka(brokers());
  await createTopic(await connectAdmin(kafka, cleanup), topic, partitions, configs);
  const producer = await connectProducer(kafka, cleanup);
  const log: LoggedRecord[] = [];
  const write = async (records: LoggedRecord[]) => {
    log.push(...records);
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({
        partition: r.partition,
        key: r.key,
        value:
          r.value === null ? null : r.value === 'garbage' ? 'not json{' : JSON.stringify(r.value),
        timestamp: String(r.timestamp),
      })),
    });
  };
  return { topic, log, write };
}

function started<V>(table: KafkaTable<V>): Promise<KafkaTable<V>> {
  cleanup.add(table, (t) => t.stop());
  return table.start().then(() => table);
}

const asMap = <V>(table: KafkaTable<V>) => new Map<string, unknown>(table.entries());

describe('group-by tables against a model of the log', () => {
  it('equal the groups recomputed from the log after random writes, deletes, regroupings and undecodable values, through restarts and a client', async () => {
    const rng = random(0x5eed);
    const { topic, log, write } = await topicWithWriter('group-by-model', 3, {
      'cleanup.policy': 'compact',
    });
    const options = {
      brokers: brokers(),
      topic,
      logger: quiet,
      groupBy: (v: Order) => v.status,
      aggregates,
    };
    const live = await started(groupByTable<Order>(options));
    const { url } = await bridgeAt(cleanup, { orders: live });
    const client = cleanup.add(
      createClient({ url, WebSocket: WebSocket as unknown as WebSocketLikeConstructor }),
      (c) => c.close(),
    );
    const handle = client.table<Record<string, number>>('orders');
    expect(await handle.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);

    const keys = Array.from({ length: 40 }, (_, i) => `order-${i}`);
    for (let round = 0; round < 6; round++) {
      const batch: LoggedRecord[] = [];
      for (let i = 0; i < 60; i++) {
        const k = rng.int(keys.length);
        const roll = rng.next();
        const value =
          roll < 0.15
            ? null
            : roll < 0.2
              ? 'garbage'
              : roll < 0.25
                ? { status: 'draft' }
                : { status: rng.pick(['open', 'paid', 'shipped']), amount: rng.int(100) - 20 };
        batch.push({ partition: k % 3, key: keys[k]!, value, timestamp: 0 });
      }
      await write(batch);
      expect(await live.barrier(10_000)).toBe(true);
      const expected = groupByModel(log, 'status', AGGS);
      expect(asMap(live)).toEqual(expected);
      // A table started now replays the whole log and must reach the same groups.
      if (round % 2 === 1) {
        const restarted = await started(groupByTable<Order>(options));
        expect(asMap(restarted)).toEqual(expected);
        await restarted.stop();
      }
    }
    const expected = groupByModel(log, 'status', AGGS);
    await untilMap(
      handle,
      (map) => JSON.stringify([...map].sort()) === JSON.stringify([...expected].sort()),
    );
    expect(live.stats.valueDecodeErrors).toBeGreaterThan(0);
  }, 30_000);
});

describe('windowed tables against a model of the log', () => {
  it('equal the windows recomputed from the log per partition, with late records and expiry, through restarts and a client', async () => {
    const rng = random(0xc10c);
    const { topic, log, write } = await topicWithWriter('windowed-model', 2, {
      'cleanup.policy': 'delete',
    });
    const window = { sizeMs: 10_000, advanceMs: 5_000, graceMs: 4_000, retainMs: 20_000 };
    const options = {
      brokers: brokers(),
      topic,
      logger: quiet,
      window,
      groupBy: (v: Order) => v.status,
      aggregates,
    };
    const live = await started(windowedTable<Order>(options));
    const { url } = await bridgeAt(cleanup, { windows: live });
    const client = cleanup.add(
      createClient({ url, WebSocket: WebSocket as unknown as WebSocketLikeConstructor }),
      (c) => c.close(),
    );
    const handle = client.table<Record<string, unknown>>('windows');
    expect(await handle.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);

    // Time moves forward per partition with jitter; some records are late by up to 15 s.
    const base = Date.UTC(2026, 0, 1);
    const clock = [base, base];
    for (let round = 0; round < 6; round++) {
      const batch: LoggedRecord[] = [];
      for (let i = 0; i < 50; i++) {
        const partition = rng.int(2);
        clock[partition]! += rng.int(1_500);
        const late = rng.next() < 0.15 ? rng.int(15_000) : 0;
        const roll = rng.next();
        const value =
          roll < 0.05
            ? 'garbage'
            : roll < 0.1
              ? { status: 'odd' }
              : { status: rng.pick(['api', 'web']), amount: rng.int(10) };
        batch.push({
          partition,
          key: rng.next() < 0.2 ? null : `e${rng.int(5)}`,
          value,
          timestamp: clock[partition]! - late,
        });
      }
      await write(batch);
      expect(await live.barrier(10_000)).toBe(true);
      const expected = windowedModel(log, 'status', window, AGGS);
      expect(asMap(live)).toEqual(expected);
      if (round % 2 === 1) {
        const restarted = await started(windowedTable<Order>(options));
        expect(asMap(restarted)).toEqual(expected);
        await restarted.stop();
      }
    }
    const expected = windowedModel(log, 'status', window, AGGS);
    expect(expected.size).toBeGreaterThan(4);
    await untilMap(
      handle,
      (map) => JSON.stringify([...map].sort()) === JSON.stringify([...expected].sort()),
    );
  }, 30_000);
});

describe('aggregate tables from the tablecast serve config file', () => {
  it('group by a field path or the record key and aggregate a nested field', async () => {
    const { topic, write } = await topicWithWriter('config-aggregates', 1, {
      'cleanup.policy': 'compact',
    });
    const minute = Date.UTC(2026, 0, 1, 10, 0);
    await write([
      {
        partition: 0,
        key: 'a',
        value: { meta: { service: 'api' }, order: { amount: 5 } },
        timestamp: minute,
      },
      {
        partition: 0,
        key: 'b',
        value: { meta: { service: 'api' }, order: { amount: 7 } },
        timestamp: minute + 1,
      },
      {
        partition: 0,
        key: 'a',
        value: { meta: { service: 'web' }, order: { amount: 1 } },
        timestamp: minute + 2,
      },
      { partition: 0, key: 'c', value: { meta: {} }, timestamp: minute + 3 },
    ]);
    const config = parseBridgeConfig({
      tables: {
        byService: {
          kind: 'group-by',
          topic,
          groupBy: 'meta.service',
          aggregates: { n: 'count', total: { op: 'sum', field: 'order.amount' } },
        },
        perKey: {
          kind: 'windowed',
          topic,
          groupBy: '$key',
          window: { sizeMs: 60_000 },
          aggregates: { n: 'count' },
        },
      },
    });
    const tables = tablesFromConfig(config, { brokers: brokers() }, quiet);
    const byService = await started(tables.byService!);
    const perKey = await started(tables.perKey!);
    expect(asMap(byService)).toEqual(
      new Map([
        ['api', { n: 1, total: 7 }],
        ['web', { n: 1, total: 1 }],
      ]),
    );
    const window = { start: minute, end: minute + 60_000 };
    expect(asMap(perKey)).toEqual(
      new Map([
        ['a@2026-01-01T10:00:00.000Z', { group: 'a', ...window, n: 2 }],
        ['b@2026-01-01T10:00:00.000Z', { group: 'b', ...window, n: 1 }],
        ['c@2026-01-01T10:00:00.000Z', { group: 'c', ...window, n: 1 }],
      ]),
    );
  });
});

describe('aggregate tables across a bridge restart', () => {
  /** A bridge on `port` over a new group-by table of `topic`; closed (with its table) by `stop`. */
  async function bridgeOver(topic: string, port: number) {
    const table = groupByTable<Order>({
      brokers: brokers(),
      topic,
      logger: quiet,
      groupBy: (v) => v.status,
      aggregates,
    });
    const bridge = createBridge({ tables: { orders: table }, logger: quiet });
    await bridge.listen({ port, host: '127.0.0.1' });
    await bridge.ready();
    return {
      table,
      stop: async () => {
        await bridge.close({ graceMs: 100 });
        await table.stop();
      },
    };
  }

  it.each([
    [1, 'resume'],
    [3, 'reset'],
  ])(
    'over %i partition(s), a client of the restarted bridge ends equal to the model (it is told to %s)',
    async (partitions, mode) => {
      const rng = random(partitions);
      const { topic, log, write } = await topicWithWriter('group-by-restart', partitions, {
        'cleanup.policy': 'compact',
      });
      const orders = (n: number) =>
        Array.from({ length: n }, (): LoggedRecord => {
          const k = rng.int(30);
          const value =
            rng.next() < 0.2 ? null : { status: rng.pick(['open', 'paid']), amount: rng.int(50) };
          return { partition: k % partitions, key: `o${k}`, value, timestamp: 0 };
        });
      await write(orders(80));
      const port = await freePort();
      let bridge = await bridgeOver(topic, port);
      cleanup.add(null, () => bridge.stop());

      const begins: string[] = [];
      class Recorded extends WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          this.on('message', (data) => {
            const frame = JSON.parse(String(data)) as { type: string; mode?: string };
            if (frame.type === 'snapshot-begin') begins.push(frame.mode ?? '');
          });
        }
      }
      const client = cleanup.add(
        createClient({
          url: `ws://127.0.0.1:${port}`,
          WebSocket: Recorded as unknown as WebSocketLikeConstructor,
          backoff: { initialDelayMs: 50, maxDelayMs: 200 },
          onError: () => {},
        }),
        (c) => c.close(),
      );
      const handle = client.table<Record<string, number>>('orders');
      const same = (expected: Map<string, unknown>) => (map: ReadonlyMap<string, unknown>) =>
        JSON.stringify([...map].sort()) === JSON.stringify([...expected].sort());
      await untilMap(handle, same(groupByModel(log, 'status', AGGS)));

      await bridge.stop();
      await write(orders(80));
      bridge = await bridgeOver(topic, port);
      await untilMap(handle, same(groupByModel(log, 'status', AGGS)));
      expect(begins).toEqual(['reset', mode]);
    },
    30_000,
  );
});
