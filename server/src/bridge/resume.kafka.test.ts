import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../../../client/src/create-client.js';
import type { TablecastClientError } from '../../../client/src/errors.js';
import type { WebSocketLikeConstructor } from '../../../client/src/websocket-like.js';
import { codecs } from '../../../shared/src/codecs/index.js';
import { serve as bridgeAt, quiet, rawClient } from '../../../test/bridge-fixtures.js';
import { untilMap } from '../../../test/client-fixtures.js';
import {
  Cleanup,
  connectProducer,
  liveTopic,
  produce,
  testKafka,
  until,
} from '../../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../../test/kafka.js';
import { replay } from '../../../test/raw-client.js';
import { KafkaTable } from '../kafka-table.js';
import type { BridgeOptions } from './bridge-options.js';

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const serve = (tables: BridgeOptions['tables'], extra: Partial<BridgeOptions> = {}) =>
  bridgeAt(cleanup, tables, extra);
const client = (url: string) => rawClient(cleanup, url);
const superjson = codecs.superjson();
const record = (key: string, value: unknown) => ({
  key,
  value: Buffer.from(superjson.encode(value)),
});

/** A table that remembers only three deletes, over a new topic holding `count` keys. */
async function shortHistoryTable(name: string, prefix: string, count: number) {
  const topic = uniqueTopic(name);
  const table = cleanup.add(
    new KafkaTable({
      brokers: brokers(),
      topic,
      valueCodec: superjson,
      tombstoneHistory: 3,
      logger: quiet,
    }),
    (t) => t.stop(),
  );
  await table.start();
  const producer = await connectProducer(testKafka(brokers()), cleanup);
  await produce(
    producer,
    topic,
    Array.from({ length: count }, (_, i) => record(`${prefix}${i}`, i)),
  );
  await table.barrier(10_000);
  return { topic, table, producer };
}

describe('bridge: resume after a slow spell, with the real client', () => {
  it('I9: a client whose socket stopped reading is resumed by position, not reset, and equals the topic', async () => {
    const { table, writer } = await liveTopic(cleanup, 'resume-real', 2);
    for (let i = 0; i < 200; i++) await writer.set(`k${i}`, { v: 0 });
    await table.barrier(10_000);
    const { url, bridge } = await serve({ t: table }, { slowClientBytes: 64 * 1024 });

    // The client's own sockets, so the test can stop reading one, and every frame it got.
    const sockets: WebSocket[] = [];
    const frames: Array<{ type: string; mode?: string }> = [];
    class Recorded extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets.push(this);
        this.on('message', (data) => {
          const { type, mode } = JSON.parse(String(data)) as { type: string; mode?: string };
          frames.push({ type, ...(mode ? { mode } : {}) });
        });
      }
    }
    const errors: TablecastClientError[] = [];
    const c = cleanup.add(
      createClient({
        url,
        WebSocket: Recorded as unknown as WebSocketLikeConstructor,
        onError: (error) => errors.push(error),
      }),
      (x) => x.close(),
    );
    const handle = c.table<{ v: number }>('t');
    expect(await handle.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);

    const raw = (sockets[0] as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    const producer = await connectProducer(testKafka(brokers()), cleanup);
    const pad = 'p'.repeat(1_000);
    // Bounded: write until the bridge saw the socket fill its budget.
    for (let round = 1; round <= 60 && bridge.metrics.slowClientEvents === 0; round++) {
      await produce(
        producer,
        table.topic,
        Array.from({ length: 800 }, (_, i) => record(`k${i % 200}`, { v: round, pad })),
      );
      await table.barrier(20_000);
    }
    expect(bridge.metrics.slowClientEvents).toBeGreaterThan(0);
    await writer.delete('k7');
    await table.barrier(10_000);
    raw.resume();

    const expected = table.snapshot();
    await untilMap(
      handle,
      (map) =>
        map.size === expected.size &&
        [...expected].every(([k, v]) => map.get(k)?.v === (v as { v: number }).v),
      30_000,
    );
    expect(handle.has('k7')).toBe(false);
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(sockets).toHaveLength(1);
    const begins = frames.filter((f) => f.type === 'snapshot-begin');
    expect(begins[0]?.mode).toBe('reset');
    expect(begins.length).toBeGreaterThan(1);
    expect(begins.slice(1).every((b) => b.mode === 'resume')).toBe(true);
    expect(handle.status).toBe('caught_up');
  });
});

describe('bridge: resume, bridge level', () => {
  it('resumes under a filter with only the filtered keys that changed', async () => {
    const { table, writer } = await liveTopic(cleanup, 'resume-filter');
    for (const key of ['eu/a', 'eu/b', 'eu/c', 'us/a']) await writer.set(key, 0);
    await table.barrier(10_000);
    const { url } = await serve({ t: table });
    const first = await client(url);
    first.send({ type: 'subscribe', sub: 's', table: 't', filter: { prefix: 'eu/' } });
    const end = await first.next('snapshot-end');
    await first.close();

    await writer.set('eu/a', 1);
    await writer.delete('eu/b');
    await writer.set('us/a', 1);
    await writer.delete('us/b');
    await table.barrier(10_000);
    const again = await client(url);
    again.send({
      type: 'subscribe',
      sub: 's',
      table: 't',
      filter: { prefix: 'eu/' },
      position: end.position,
    });
    expect((await again.next('snapshot-begin')).mode).toBe('resume');
    await again.next('snapshot-end');
    const parts = again.messages.filter((m) => m.type === 'snapshot-part');
    expect(parts.flatMap((p) => (p.type === 'snapshot-part' ? p.sets : []))).toEqual([
      ['eu/a', [1]],
    ]);
    expect(parts.flatMap((p) => (p.type === 'snapshot-part' ? p.deletes : []))).toEqual(['eu/b']);
  });

  it('falls back to a reset when the tombstone history no longer reaches the position', async () => {
    const { topic, table, producer } = await shortHistoryTable('resume-horizon', 'k', 10);
    const { url } = await serve({ t: table });
    const first = await client(url);
    first.send({ type: 'subscribe', sub: 's', table: 't' });
    const end = await first.next('snapshot-end');
    await first.close();
    // Five deletes, but the table remembers three: a resume could not be proven complete.
    await produce(
      producer,
      topic,
      Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: null })),
    );
    await table.barrier(10_000);
    const again = await client(url);
    again.send({ type: 'subscribe', sub: 's', table: 't', position: end.position });
    expect((await again.next('snapshot-begin')).mode).toBe('reset');
    await again.next('snapshot-end');
    expect([...replay(again.messages, 's', 't').keys()].sort()).toEqual([
      'k5',
      'k6',
      'k7',
      'k8',
      'k9',
    ]);
  });

  it('I9: a stalled subscription whose position fell behind the tombstone history is reset, not resumed', async () => {
    const { topic, table, producer } = await shortHistoryTable('stall-horizon', 'd', 20);
    const { url, bridge } = await serve({ t: table }, { slowClientBytes: 16 * 1024 });
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 't' });
    await c.next('snapshot-end');
    c.pause();
    const pad = 'p'.repeat(1_000);
    // Bounded: write until the bridge saw the socket exceed its budget.
    for (let round = 0; round < 100 && bridge.metrics.slowClientEvents === 0; round++) {
      await produce(
        producer,
        topic,
        Array.from({ length: 500 }, (_, i) => record(`k${i}`, { round, pad })),
      );
      await table.barrier(10_000);
    }
    expect(bridge.metrics.slowClientEvents).toBeGreaterThan(0);
    // Ten deletes while stalled; the table remembers three: its resume could not be proven.
    await produce(
      producer,
      topic,
      Array.from({ length: 10 }, (_, i) => ({ key: `d${i}`, value: null })),
    );
    await table.barrier(10_000);
    c.resume();
    const again = await c.next('snapshot-begin', () => true, 30_000);
    expect(again.mode).toBe('reset');
    await c.next('snapshot-end', () => true, 30_000);
    const expected = Object.fromEntries(table.snapshot());
    expect(Object.fromEntries(replay(c.messages, 's', 't'))).toEqual(expected);
  });

  it('I10: a snapshot streamed while writes land describes the table at exactly its position', async () => {
    const { table, topic } = await liveTopic(cleanup, 'streamed');
    const producer = await connectProducer(testKafka(brokers()), cleanup);
    const keys = 1_000;
    const round = (r: number) =>
      Array.from({ length: keys }, (_, i) => record(`k${i}`, { r, pad: 'x'.repeat(200) }));
    await produce(producer, topic, round(0));
    await table.barrier(10_000);
    // Tiny parts and a tiny budget: the snapshot goes out over many slices and drains.
    const { url } = await serve({ t: table }, { snapshotPartSize: 10, slowClientBytes: 8 * 1024 });
    const writes = (async () => {
      for (let r = 1; r <= 5; r++) await produce(producer, topic, round(r));
    })();
    // Subscribe once writes are landing, so they keep landing while the snapshot streams.
    expect(await table.waitFor({ partition: 0, offset: keys + 10 }, 30_000)).toBe(true);
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 't' });
    const end = await c.next('snapshot-end', () => true, 30_000);
    await writes;
    // One partition, written round after round from offset 0: the record at offset o is round
    // floor(o / keys) of key o % keys, so the table at position p is known exactly.
    const at = end.position.offsets[0]!;
    const expected = new Map<string, number>();
    for (let i = 0; i < keys; i++) expected.set(`k${i}`, Math.floor((at - 1 - i) / keys));
    const upToEnd = c.messages.slice(0, c.messages.indexOf(end) + 1);
    const snapshot = replay(upToEnd, 's', 't') as Map<string, { r: number }>;
    expect(new Map([...snapshot].map(([k, v]) => [k, v.r]))).toEqual(expected);
    const parts = c.messages.filter((m) => m.type === 'snapshot-part').length;
    expect(parts).toBeGreaterThanOrEqual(keys / 10);
    // And what follows (deltas, or a resume from the snapshot's position) reaches the topic's end.
    await table.barrier(10_000);
    const atEnd = () => {
      const last = c.messages.findLast((m) => m.type === 'delta' || m.type === 'snapshot-end');
      return (
        last !== undefined && 'position' in last && last.position.offsets[0] === table.position[0]
      );
    };
    await until(
      (check) => {
        const timer = setInterval(check, 10);
        return () => clearInterval(timer);
      },
      atEnd,
      'the subscription to reach the end of the topic',
    );
    const final = replay(c.messages, 's', 't') as Map<string, { r: number }>;
    expect([...final.values()].every((v) => v.r === 5)).toBe(true);
  });

  it('I12: nothing arrives for a subscription after it ended', async () => {
    const { table, writer } = await liveTopic(cleanup, 'ended');
    await writer.set('a', 1);
    await table.barrier(10_000);
    const { url } = await serve({ t: table });
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 'all', table: 't' });
    c.send({ type: 'subscribe', sub: 'one', table: 't', filter: { keys: ['a'] } });
    await c.next('snapshot-end', (m) => m.sub === 'all');
    await c.next('snapshot-end', (m) => m.sub === 'one');
    c.send({ type: 'unsubscribe', sub: 'all' });
    await c.next('unsubscribed', (m) => m.sub === 'all');
    await writer.set('a', 2);
    // The filtered delta of the same batch is sent after any unfiltered one would have been.
    await c.next('delta', (d) => d.sub === 'one');
    const afterEnd = c.messages.slice(c.messages.findIndex((m) => m.type === 'unsubscribed'));
    expect(afterEnd.filter((m) => m.type === 'delta' && m.table === 't')).toEqual([]);
  });
});
