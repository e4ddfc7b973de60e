import { CompressionTypes } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../../shared/src/codecs/codec.js';
import { codecs } from '../../../shared/src/codecs/index.js';
import { serve as bridgeAt, quiet, rawClient } from '../../../test/bridge-fixtures.js';
import { testClient, untilMap } from '../../../test/client-fixtures.js';
import {
  Cleanup,
  connectProducer,
  heldReplica,
  liveTopic,
  produce,
  testKafka,
} from '../../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../../test/kafka.js';
import { RawClient, replay } from '../../../test/raw-client.js';
import { KafkaTable } from '../kafka-table.js';
import type { BridgeOptions } from './bridge-options.js';
import { createBridge } from './create-bridge.js';
import { SNAPSHOT_PART_CHARS } from './snapshot-producer.js';

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const serve = (tables: BridgeOptions['tables'], extra: Partial<BridgeOptions> = {}) =>
  bridgeAt(cleanup, tables, extra);
const client = (url: string, options?: Parameters<typeof RawClient.connect>[1]) =>
  rawClient(cleanup, url, options);
const superjson = codecs.superjson();

async function bigTable(keys: number, pad = 200) {
  const { table, topic } = await liveTopic(cleanup, 'limits');
  const producer = await connectProducer(testKafka(brokers()), cleanup);
  for (let from = 0; from < keys; from += 2_000) {
    await produce(
      producer,
      topic,
      Array.from({ length: Math.min(2_000, keys - from) }, (_, i) => ({
        key: `k${from + i}`,
        value: Buffer.from(superjson.encode({ i: from + i, pad: 'x'.repeat(pad) })),
      })),
    );
  }
  expect(await table.barrier(30_000)).toBe(true);
  return table;
}

describe('bridge: one memory budget per socket', () => {
  it('I9: a socket that never reads, with 20 subscriptions to a big table, costs its budget and is closed with 4008, not cut for the heartbeats it misses meanwhile', async () => {
    const table = await bigTable(20_000); // ~4.5 MB per full snapshot
    let gaveUp!: () => void;
    const closing = new Promise<void>((resolve) => {
      gaveUp = resolve;
    });
    const logger = { error: () => {}, warn: (m: string) => m.includes('stalled') && gaveUp() };
    const { url, bridge } = await serve(
      { t: table },
      // Its pongs wait behind what it does not read: heartbeats every 200 ms would cut it first.
      { slowClientBytes: 256 * 1024, slowClientTimeoutMs: 1_000, heartbeatIntervalMs: 200, logger },
    );
    const c = await RawClient.connect(url);
    cleanup.add(c, (x) => x.close());
    await c.next('welcome');
    c.pause();
    c.send({ type: 'subscribe', sub: 'all', table: 't' });
    for (let i = 0; i < 19; i++) {
      c.send({ type: 'subscribe', sub: `p${i}`, table: 't', filter: { prefix: `k${i}` } });
    }
    await closing;
    const sent = bridge.metrics.bytesSent;
    c.resume();
    await c.closed();
    expect(c.closeCode).toBe(4008);
    expect(bridge.metrics.slowClientDisconnects).toBe(1);
    // Twenty snapshots would be ~45 MB pushed at once; the bridge wrote its budget plus what the
    // kernel's socket buffers took.
    expect(sent).toBeLessThan(12 * 1024 * 1024);
  });

  it('sends one socket’s snapshots one at a time, in parts of snapshotPartSize', async () => {
    const table = await bigTable(10, 1);
    const { url } = await serve({ t: table }, { snapshotPartSize: 3 });
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 'a', table: 't' });
    c.send({ type: 'subscribe', sub: 'b', table: 't', filter: { prefix: 'k' } });
    await c.next('snapshot-end', (m) => m.sub === 'b');
    const parts = c.messages.filter((m) => m.type === 'snapshot-part');
    expect(parts.map((p) => (p.type === 'snapshot-part' ? p.sets.length : 0))).toEqual([
      3, 3, 3, 1, 3, 3, 3, 1,
    ]);
    const order = c.messages
      .filter((m) => m.type.startsWith('snapshot-'))
      .map((m) => `${m.type}:${'sub' in m ? m.sub : ''}`);
    // All of a's snapshot before any of b's.
    expect(order.indexOf('snapshot-begin:b')).toBeGreaterThan(order.indexOf('snapshot-end:a'));
    expect(replay(c.messages, 'b', 't', true).size).toBe(10);
  });
});

describe('bridge: fairness', () => {
  it('rate-limits client messages with RATE_LIMITED, then closes a socket that keeps on with 4429', async () => {
    const table = await bigTable(5, 1);
    const { url, bridge } = await serve(
      { t: table },
      { controlMessageBurst: 5, controlMessagesPerSecond: 0.001 },
    );
    const c = await client(url);
    for (let i = 0; i < 5; i++)
      c.send({ type: 'subscribe', sub: `s${i}`, table: 't', filter: { prefix: `k${i}` } });
    c.send({ type: 'subscribe', sub: 'over', table: 't', filter: { prefix: 'x' } });
    expect(await c.next('error')).toMatchObject({ code: 'RATE_LIMITED', sub: 'over' });
    // Unsubscribing always works: it frees what the socket holds.
    c.send({ type: 'unsubscribe', sub: 's0' });
    await c.next('unsubscribed', (m) => m.sub === 's0');
    for (let i = 0; i < 10; i++) c.send('{"type":"nonsense"}');
    await c.closed();
    expect(c.closeCode).toBe(4429);
    expect(bridge.metrics.rateLimited).toBeGreaterThan(5);
  });
});

describe('bridge: documented errors', () => {
  it('I8: answers a binary frame with BAD_MESSAGE and a frame over maxMessageBytes with MESSAGE_TOO_LARGE and 1009', async () => {
    const table = await bigTable(1, 1);
    const { url } = await serve({ t: table }, { maxMessageBytes: 1_024 });
    const c = await client(url);
    c.sendBinary(new Uint8Array([1, 2, 3]));
    expect((await c.next('error')).code).toBe('BAD_MESSAGE');
    c.send({ type: 'subscribe', sub: 's', table: 't' });
    await c.next('snapshot-end');
    c.send({ type: 'subscribe', sub: 'x', table: 'y'.repeat(1_500) });
    expect((await c.next('error')).code).toBe('MESSAGE_TOO_LARGE');
    await c.closed();
    expect(c.closeCode).toBe(1009);
  });

  it('I8: closes with 1007, as RFC 6455 requires, on a text frame that is not UTF-8', async () => {
    const table = await bigTable(1, 1);
    const { url } = await serve({ t: table });
    const c = await RawClient.connect(url);
    cleanup.add(c, (x) => x.close());
    await c.next('welcome');
    c.sendTextBytes(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    await c.closed();
    expect(c.closeCode).toBe(1007);
  });

  it('rejects a value the wire cannot carry when it is applied, counts it, and serves every subscription', async () => {
    // A codec that yields a value superjson refuses to carry (a `constructor` key beside a Date).
    const odd: Codec<unknown> = {
      name: 'odd',
      encode: (v) => superjson.encode(v),
      decode: (bytes) =>
        new TextDecoder().decode(bytes) === 'odd'
          ? { constructor: 1, at: new Date(0) }
          : superjson.decode(bytes),
    };
    const topic = uniqueTopic('internal');
    const table = cleanup.add(
      new KafkaTable({ brokers: brokers(), topic, valueCodec: odd, logger: quiet }),
      (t) => t.stop(),
    );
    await table.start();
    const producer = await connectProducer(testKafka(brokers()), cleanup);
    await produce(producer, topic, [
      { key: 'fine', value: Buffer.from(superjson.encode(1)) },
      { key: 'bad', value: 'odd' },
    ]);
    await table.barrier(10_000);
    // Encoded for the wire once, when applied: the bad value never became part of the table.
    expect(table.stats.valueEncodeErrors).toBe(1);
    expect(table.has('bad')).toBe(false);
    const { url } = await serve({ t: table });
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 'all', table: 't' });
    await c.next('snapshot-end', (m) => m.sub === 'all');
    expect(Object.fromEntries(replay(c.messages, 'all', 't', true))).toEqual({ fine: 1 });
    c.send({ type: 'subscribe', sub: 'fine', table: 't', filter: { keys: ['fine'] } });
    await c.next('snapshot-end', (m) => m.sub === 'fine');
    expect(Object.fromEntries(replay(c.messages, 'fine', 't', true))).toEqual({ fine: 1 });
  });

  it('ends a subscription with OVERLOADED when the bridge does not reach its position within behindTimeoutMs', async () => {
    const { topic, writer, table } = await liveTopic(cleanup, 'behind');
    await writer.set('k', 1);
    await table.barrier(10_000);
    const { table: lagging, held } = heldReplica(topic, brokers(), cleanup);
    await lagging.start();
    const heldBatch = held.hold();
    await writer.set('k', 2);
    await table.barrier(10_000);
    await heldBatch;
    const { url } = await serve({ t: lagging }, { behindTimeoutMs: 200 });
    const c = await client(url);
    c.send({
      type: 'subscribe',
      sub: 's',
      table: 't',
      position: { topicId: table.topicId!, offsets: table.position },
    });
    expect(await c.next('error')).toMatchObject({ code: 'OVERLOADED', sub: 's' });
    held.release();
  });
});

describe('bridge: large values', () => {
  it('splits a snapshot of large values into parts of at most SNAPSHOT_PART_CHARS, so a client with a small frame limit loads it', async () => {
    const { table, writer } = await liveTopic(cleanup, 'large');
    // 40 values of ~100 KB: one part by count (snapshotPartSize 1,000), 4 MB of text.
    for (let i = 0; i < 40; i++) await writer.set(`k${i}`, { i, pad: 'x'.repeat(100_000) });
    expect(await table.barrier(10_000)).toBe(true);
    const { url } = await serve({ t: table });
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 't' });
    await c.next('snapshot-end', (m) => m.sub === 's');
    const parts = c.frames.filter((f) => f.startsWith('{"type":"snapshot-part"'));
    expect(parts.length).toBeGreaterThanOrEqual(4);
    // A part stops at the entry that reaches the limit: at most one entry's size past it.
    for (const part of parts) expect(part.length).toBeLessThan(SNAPSHOT_PART_CHARS + 110_000);
    expect(replay(c.messages, 's', 't').size).toBe(40);
    // The client refuses frames over 2 MiB; the table still loads, with no error.
    const { client: tc, errors } = testClient(cleanup, url, { maxMessageBytes: 2 * 1024 * 1024 });
    const handle = tc.table<{ i: number; pad: string }>('t');
    await untilMap(handle, (m) => m.size === 40);
    expect(handle.status).toBe('caught_up');
    expect(errors).toEqual([]);
  });
});

describe("bridge: a delta over a client's frame limit", () => {
  it('makes that client reconnect and catch up through a split snapshot, losing nothing', async () => {
    const { table, topic, writer } = await liveTopic(cleanup, 'large-delta');
    await writer.set('first', { i: -1, pad: '' });
    expect(await table.barrier(10_000)).toBe(true);
    const { url } = await serve({ t: table });
    const { client: tc, errors } = testClient(cleanup, url, { maxMessageBytes: 2 * 1024 * 1024 });
    const handle = tc.table<{ i: number; pad: string }>('t');
    await untilMap(handle, (m) => m.size === 1);
    // 40 values of ~100 KB in one gzipped produce request (small enough for the broker): one
    // batch, so one delta of ~4 MB.
    const producer = await connectProducer(testKafka(brokers()), cleanup);
    await producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 40 }, (_, i) => ({
        key: `k${i}`,
        value: Buffer.from(superjson.encode({ i, pad: 'x'.repeat(100_000) })),
      })),
    });
    await untilMap(handle, (m) => m.size === 41 && m.get('k39')?.i === 39);
    expect(handle.status).toBe('caught_up');
    expect(errors.map((e) => e.code)).toContain('MESSAGE_TOO_LARGE');
    expect(
      [...handle.getSnapshot().values()].every((v) => v.i < 0 || v.pad.length === 100_000),
    ).toBe(true);
  });
});

describe('bridge: shutdown', () => {
  it('spreads goaway retryAfterMs, refuses upgrades with 503 while closing, and cuts sockets after graceMs', async () => {
    const table = await bigTable(1, 1);
    const draws = [0, 0.5, 0.999];
    const bridge = createBridge({
      tables: { t: table },
      logger: quiet,
      goawaySpreadMs: 10_000,
      random: () => draws.shift() ?? 0,
    });
    const { url } = await bridge.listen();
    const clients = await Promise.all([client(url), client(url), client(url)]);
    await Promise.all(clients.map((c) => c.next('welcome')));
    // This one never answers the closing handshake.
    clients[2]!.pause();
    const closing = bridge.close({ graceMs: 500 });
    const goaways = await Promise.all(clients.slice(0, 2).map((c) => c.next('goaway')));
    await expect(RawClient.connect(url)).rejects.toThrow(/503/);
    // Resolves although one peer never answered: it was cut after graceMs.
    await closing;
    expect(goaways.map((g) => g.retryAfterMs).sort()).toEqual([0, 5_000]);
    clients[2]!.resume();
    await clients[2]!.closed();
    expect((await clients[2]!.next('goaway')).retryAfterMs).toBe(9_990);
  });
});
