import type { Producer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../../../client/src/create-client.js';
import { stream } from '../../../client/src/stream/stream-handle.js';
import { compareRows } from '../../../client/src/stream/stream-row.js';
import type { WebSocketLikeConstructor } from '../../../client/src/websocket-like.js';
import { serve as bridgeAt, quiet, rawClient } from '../../../test/bridge-fixtures.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  testKafka,
  until,
} from '../../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../../test/kafka.js';
import { replay } from '../../../test/raw-client.js';
import type { BridgeOptions } from '../bridge/bridge-options.js';
import type { StreamRow } from './stream-row.js';
import { StreamTable } from './stream-table.js';

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const serve = (tables: BridgeOptions['tables']) => bridgeAt(cleanup, tables);
const BASE = Date.UTC(2026, 0, 1);

async function eventTopic(prefix: string, partitions: number) {
  const topic = uniqueTopic(prefix);
  const kafka = testKafka(brokers());
  await createTopic(await connectAdmin(kafka, cleanup), topic, partitions, {
    'cleanup.policy': 'delete',
  });
  return { topic, producer: await connectProducer(kafka, cleanup) };
}

/** One record per [partition, timestamp offset in s] pair, value its index. */
async function write(producer: Producer, topic: string, at: Array<[number, number]>) {
  await producer.send({
    topic,
    acks: -1,
    messages: at.map(([partition, s], i) => ({
      key: `e${i}`,
      value: JSON.stringify({ i, s }),
      partition,
      timestamp: String(BASE + s * 1000),
    })),
  });
}

async function streamTable(topic: string, limit: number) {
  const table = cleanup.add(
    StreamTable.json({ brokers: brokers(), topic, limit, start: 'earliest', logger: quiet }),
    (t) => t.stop(),
  );
  await table.start();
  return table;
}

describe('stream tables through a real bridge', () => {
  it('I15: a resume continues the rows while the ring still holds what followed the position, and resets once it does not', async () => {
    const { topic, producer } = await eventTopic('stream-resume', 1);
    await write(producer, topic, [
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    const table = await streamTable(topic, 5);
    const { url } = await serve({ events: table });

    const first = await rawClient(cleanup, url);
    first.send({ type: 'subscribe', sub: 's', table: 'events' });
    const p1 = (await first.next('snapshot-end')).position;
    await write(producer, topic, [[0, 4]]);
    await table.barrier(10_000);
    const p2 = (await first.next('delta')).position;
    await first.close();

    // One new row, nothing evicted: a resume from p1 brings just that row.
    const recent = await rawClient(cleanup, url);
    recent.send({ type: 'subscribe', sub: 's', table: 'events', position: p1 });
    expect((await recent.next('snapshot-begin')).mode).toBe('resume');
    const part = await recent.next('snapshot-part');
    expect(part.sets.map(([id]) => id)).toEqual(['0:3']);
    await recent.close();

    // Five more rows evict 0:0..0:3. p2 had seen all four: it resumes, told of the evictions.
    // p1 had not seen 0:3, which is gone: its resume would show a gap, so it is reset.
    await write(producer, topic, [
      [0, 5],
      [0, 6],
      [0, 7],
      [0, 8],
      [0, 9],
    ]);
    await table.barrier(10_000);
    expect([...table.keys()].sort()).toEqual(['0:4', '0:5', '0:6', '0:7', '0:8']);
    const after = await rawClient(cleanup, url);
    after.send({ type: 'subscribe', sub: 's', table: 'events', position: p2 });
    expect((await after.next('snapshot-begin')).mode).toBe('resume');
    const resumed = await after.next('snapshot-part');
    expect([...resumed.deletes].sort()).toEqual(['0:0', '0:1', '0:2', '0:3']);
    await after.next('snapshot-end');
    const stale = await rawClient(cleanup, url);
    stale.send({ type: 'subscribe', sub: 's', table: 'events', position: p1 });
    expect((await stale.next('snapshot-begin')).mode).toBe('reset');
    await stale.next('snapshot-end');
    expect([...replay(stale.messages, 's', 'events').keys()].sort()).toEqual([
      '0:4',
      '0:5',
      '0:6',
      '0:7',
      '0:8',
    ]);
  });

  it('a position from another ring (a restarted bridge) resets: rings differ by when they started', async () => {
    const { topic, producer } = await eventTopic('stream-restart', 1);
    await write(producer, topic, [[0, 1]]);
    const before = await rawClient(
      cleanup,
      (await serve({ events: await streamTable(topic, 5) })).url,
    );
    before.send({ type: 'subscribe', sub: 's', table: 'events' });
    const position = (await before.next('snapshot-end')).position;
    const again = await rawClient(
      cleanup,
      (await serve({ events: await streamTable(topic, 5) })).url,
    );
    again.send({ type: 'subscribe', sub: 's', table: 'events', position });
    expect((await again.next('snapshot-begin')).mode).toBe('reset');
  });

  it('the client holds the rows in order of time, partition, offset, and they continue over a reconnect', async () => {
    const { topic, producer } = await eventTopic('stream-client', 2);
    await write(producer, topic, [
      [1, 5],
      [0, 7],
      [0, 2],
      [1, 2],
      [0, 9],
    ]);
    const table = await streamTable(topic, 100);
    const { url } = await serve({ events: table });
    const sockets: WebSocket[] = [];
    const modes: string[] = [];
    class Recorded extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets.push(this);
        this.on('message', (data) => {
          const { type, mode } = JSON.parse(String(data)) as { type: string; mode?: string };
          if (type === 'snapshot-begin' && mode) modes.push(mode);
        });
      }
    }
    const client = cleanup.add(
      createClient({ url, WebSocket: Recorded as unknown as WebSocketLikeConstructor }),
      (c) => c.close(),
    );
    const events = stream<{ i: number; s: number }>(client, 'events');
    expect(await events.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
    const expected = () => ([...table.values()] as StreamRow<unknown>[]).sort(compareRows);
    expect(events.rows).toEqual(expected());
    expect(events.rows.map((r) => [r.timestamp - BASE, r.partition])).toEqual([
      [2000, 0],
      [2000, 1],
      [5000, 1],
      [7000, 0],
      [9000, 0],
    ]);

    sockets[0]!.terminate();
    await write(producer, topic, [
      [1, 1],
      [0, 10],
    ]);
    await table.barrier(10_000);
    await until(
      (listener) => events.subscribe(listener),
      () => events.rows.length === 7,
      'seven rows',
    );
    expect(events.rows).toEqual(expected());
    expect(events.rows[0]).toMatchObject({ partition: 1, timestamp: BASE + 1000 });
    expect(modes).toEqual(['reset', 'resume']);
    events.close();
  });
});
