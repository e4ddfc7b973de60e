import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codecs } from '../../../shared/src/codecs/index.js';
import { serve as bridgeAt, rawClient } from '../../../test/bridge-fixtures.js';
import {
  Cleanup,
  connectProducer,
  heldReplica,
  liveTopic,
  produce,
  testKafka,
  until,
} from '../../../test/fixtures.js';
import { brokers } from '../../../test/kafka.js';
import { RawClient, replay } from '../../../test/raw-client.js';
import { KafkaTableWriter } from '../kafka-table-writer.js';
import type { BridgeOptions } from './bridge-options.js';
import { createBridge } from './create-bridge.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const fixture = (partitions = 1) => liveTopic(cleanup, 'bridge', partitions);

const serve = (tables: BridgeOptions['tables'], extra: Partial<BridgeOptions> = {}) =>
  bridgeAt(cleanup, tables, extra);
const client = (url: string, options?: Parameters<typeof RawClient.connect>[1]) =>
  rawClient(cleanup, url, options);

describe('bridge: snapshot then deltas', () => {
  it('I10, I5: sends a consistent snapshot, then live sets and deletes with positions', async () => {
    const { writer, table } = await fixture(2);
    await writer.set('a', { n: 1, at: new Date('2024-01-01T00:00:00Z') });
    await writer.set('b', { n: 2 });
    expect(await table.barrier(10_000)).toBe(true);
    const { url } = await serve({ flags: table });
    const c = await client(url);
    expect((await c.next('welcome')).version).toBe(1);
    c.send({ type: 'subscribe', sub: 's1', table: 'flags' });
    const begin = await c.next('snapshot-begin');
    expect(begin).toMatchObject({ sub: 's1', table: 'flags', mode: 'reset' });
    const end = await c.next('snapshot-end');
    expect(end.status).toBe('caught_up');
    expect(end.position).toEqual({ topicId: table.topicId, offsets: table.position });
    expect(end.position.topicId).toMatch(/^[0-9a-f-]{36}$/);

    await writer.set('c', { n: 3 });
    await writer.delete('a');
    await table.barrier(10_000);
    await c.next('delta', (d) => d.deletes.includes('a'));
    const map = replay(c.messages, 's1', 'flags');
    expect([...map.keys()].sort()).toEqual(['b', 'c']);
    const last = c.messages.filter((m) => m.type === 'delta').at(-1);
    expect(last?.type === 'delta' && last.position.offsets).toEqual(table.position);
  });

  it('carries values that JSON cannot (Date, Map, BigInt) through superjson', async () => {
    const { writer, table } = await fixture();
    await writer.set('rich', { at: new Date(0), tags: new Set(['x']), big: 10n });
    await table.barrier(10_000);
    const { url } = await serve({ t: table });
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 't' });
    const part = await c.next('snapshot-part');
    const { fromWireValue } = await import('../../../shared/src/protocol/index.js');
    expect(fromWireValue(part.sets[0]![1])).toEqual({
      at: new Date(0),
      tags: new Set(['x']),
      big: 10n,
    });
  });

  it('serves many tables on one socket, and key and prefix filters', async () => {
    const one = await fixture();
    const two = await fixture();
    for (const key of ['svc/a', 'svc/b', 'other']) await one.writer.set(key, key);
    await two.writer.set('x', 1);
    await Promise.all([one.table.barrier(10_000), two.table.barrier(10_000)]);
    const { url } = await serve({ one: one.table, two: two.table });
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 'all2', table: 'two' });
    c.send({ type: 'subscribe', sub: 'svc', table: 'one', filter: { prefix: 'svc/' } });
    c.send({
      type: 'subscribe',
      sub: 'other',
      table: 'one',
      filter: { keys: ['other', 'missing'] },
    });
    for (const sub of ['all2', 'svc', 'other']) await c.next('snapshot-end', (m) => m.sub === sub);
    await one.writer.set('svc/c', 'new');
    await one.writer.set('other', 'changed');
    await one.writer.set('unrelated', 'x');
    await two.writer.set('y', 2);
    await Promise.all([one.table.barrier(10_000), two.table.barrier(10_000)]);
    await c.next('delta', (d) => d.sub === 'other');
    await c.next('delta', (d) => d.table === 'two');
    expect(Object.fromEntries(replay(c.messages, 'svc', 'one', true))).toEqual({
      'svc/a': 'svc/a',
      'svc/b': 'svc/b',
      'svc/c': 'new',
    });
    expect(Object.fromEntries(replay(c.messages, 'other', 'one', true))).toEqual({
      other: 'changed',
    });
    expect(Object.fromEntries(replay(c.messages, 'all2', 'two'))).toEqual({ x: 1, y: 2 });
    // Filtered subscriptions never see a key outside their filter.
    const filteredDeltas = c.messages.filter((m) => m.type === 'delta' && m.sub !== undefined);
    expect(JSON.stringify(filteredDeltas)).not.toContain('unrelated');
  });
});

describe('bridge: shared delta bytes', () => {
  it('I7, I11: sends every unfiltered subscriber the same delta bytes, one entry per key', async () => {
    const { writer, table } = await fixture();
    const { url, bridge } = await serve({ t: table });
    const clients = await Promise.all([client(url), client(url), client(url)]);
    for (const c of clients) {
      c.send({ type: 'subscribe', sub: `s-${clients.indexOf(c)}`, table: 't' });
      await c.next('snapshot-end');
    }
    const framesBefore = bridge.metrics.framesSent;
    await Promise.all([writer.set('a', 1), writer.set('b', 2), writer.set('a', 3)]);
    await table.barrier(10_000);
    for (const c of clients)
      await c.next('delta', (d) => d.position.offsets[0] === table.position[0]);
    const deltas = clients.map((c) => c.frames.filter((f) => f.includes('"type":"delta"')));
    expect(deltas[1]).toEqual(deltas[0]);
    expect(deltas[2]).toEqual(deltas[0]);
    expect(bridge.metrics.framesSent - framesBefore).toBe(deltas[0]!.length * 3);
    for (const frame of deltas[0]!) {
      const d = JSON.parse(frame) as { sets: [string][]; deletes: string[] };
      const keys = [...d.sets.map(([k]) => k), ...d.deletes];
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});

describe('bridge: resume', () => {
  it('resumes a client that missed 10k changes with only what changed since its position', async () => {
    const { writer, table } = await fixture(2);
    await Promise.all(
      Array.from({ length: 2_000 }, (_, i) =>
        writer.set(`key-${i}`, { v: 0, pad: 'x'.repeat(100) }),
      ),
    );
    await table.barrier(20_000);
    const { url } = await serve({ t: table });
    const first = await client(url);
    first.send({ type: 'subscribe', sub: 's', table: 't' });
    const end = await first.next('snapshot-end');
    const fullSnapshotBytes = first.bytesReceived;
    await first.close();

    // 10k changes while away, touching only 50 keys, plus 5 deletes.
    const producer = await connectProducer(testKafka(brokers()), cleanup);
    const superjson = codecs.superjson();
    await produce(
      producer,
      table.topic,
      Array.from({ length: 10_000 }, (_, n) => ({
        key: `key-${n % 50}`,
        value: Buffer.from(superjson.encode({ v: Math.floor(n / 50) + 1 })),
      })),
    );
    for (let i = 100; i < 105; i++) await writer.delete(`key-${i}`);
    await table.barrier(20_000);

    const again = await client(url);
    again.send({ type: 'subscribe', sub: 's', table: 't', position: end.position });
    expect((await again.next('snapshot-begin')).mode).toBe('resume');
    await again.next('snapshot-end');
    const resumed = replay(again.messages, 's', 't');
    expect(resumed.size).toBe(50);
    expect(resumed.get('key-0')).toEqual({ v: 200 });
    const parts = again.messages.filter((m) => m.type === 'snapshot-part');
    expect(parts.flatMap((p) => (p.type === 'snapshot-part' ? p.deletes : [])).sort()).toEqual([
      'key-100',
      'key-101',
      'key-102',
      'key-103',
      'key-104',
    ]);
    expect(again.bytesReceived).toBeLessThan(fullSnapshotBytes / 10);
  });

  it('resets a client whose position is from another topic (recreated)', async () => {
    const { writer, table } = await fixture();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const { url } = await serve({ t: table });
    const c = await client(url);
    c.send({
      type: 'subscribe',
      sub: 's',
      table: 't',
      position: { topicId: 'some-old-topic', offsets: [99] },
    });
    expect((await c.next('snapshot-begin')).mode).toBe('reset');
    await c.next('snapshot-end');
    expect(Object.fromEntries(replay(c.messages, 's', 't'))).toEqual({ a: 1 });
  });

  it('I3: a lagging replica waits until it reaches the client position instead of going back in time', async () => {
    const { topic, writer, table } = await fixture();
    await writer.set('k', 'v1');
    await table.barrier(10_000);
    // A second bridge replica whose table is held back behind a gate.
    const { table: lagging, held } = heldReplica(topic, brokers(), cleanup);
    await lagging.start();
    const fresh = await serve({ t: table });
    const slow = await serve({ t: lagging });

    const heldBatch = held.hold();
    await writer.set('k', 'v2');
    await table.barrier(10_000);
    await heldBatch;

    const c1 = await client(fresh.url);
    c1.send({ type: 'subscribe', sub: 's', table: 't' });
    const end = await c1.next('snapshot-end');
    expect(replay(c1.messages, 's', 't').get('k')).toBe('v2');

    const c2 = await client(slow.url);
    c2.send({ type: 'subscribe', sub: 's', table: 't', position: end.position });
    const pending = c2.next('snapshot-end');
    // Nothing is sent while the replica is behind: the old value would be time travel.
    await until(
      (check) => {
        const timer = setInterval(check, 5);
        return () => clearInterval(timer);
      },
      () => slow.bridge.metrics.waitingSubscriptions === 1,
      'the subscribe to wait for the replica',
    );
    expect(c2.messages.filter((m) => m.type !== 'welcome')).toEqual([]);
    held.release();
    await pending;
    expect(replay(c2.messages, 's', 't').get('k')).not.toBe('v1');
  });
});

describe('bridge: errors and limits', () => {
  it('I8, I12: answers bad input with typed errors and keeps serving', async () => {
    const { writer, table } = await fixture();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const { url } = await serve({ t: table }, { maxSubscriptionsPerConnection: 2 });
    const c = await client(url);
    c.send('{not json');
    expect((await c.next('error')).code).toBe('BAD_MESSAGE');
    c.send(JSON.stringify({ type: 'publish', sub: 'x' }));
    expect((await c.next('error')).code).toBe('BAD_MESSAGE');
    c.send({ type: 'subscribe', sub: 'u', table: 'nope' });
    expect(await c.next('error')).toMatchObject({ code: 'UNKNOWN_TABLE', sub: 'u' });
    c.send({ type: 'subscribe', sub: 'a', table: 't' });
    c.send({ type: 'subscribe', sub: 'a', table: 't' });
    expect(await c.next('error')).toMatchObject({ code: 'DUPLICATE_SUBSCRIPTION', sub: 'a' });
    // The same table and filter twice on one socket is refused: it would cost twice for nothing.
    c.send({ type: 'subscribe', sub: 'twin', table: 't' });
    expect(await c.next('error')).toMatchObject({ code: 'DUPLICATE_SUBSCRIPTION', sub: 'twin' });
    c.send({ type: 'subscribe', sub: 'b', table: 't', filter: { prefix: 'a' } });
    c.send({ type: 'subscribe', sub: 'c', table: 't', filter: { prefix: 'b' } });
    expect(await c.next('error')).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', sub: 'c' });
    c.send({ type: 'unsubscribe', sub: 'b' });
    await c.next('unsubscribed', (m) => m.sub === 'b');
    // Still serving on the same socket.
    await writer.set('a', 2);
    await c.next('delta', (d) => d.sets.some(([k]) => k === 'a'));
  });

  it('closes a socket that sends an oversized frame with 1009, and serves other sockets', async () => {
    const { table } = await fixture();
    const { url } = await serve({ t: table }, { maxMessageBytes: 1_024 });
    const big = await client(url);
    const other = await client(url);
    big.send({ type: 'subscribe', sub: 'x'.repeat(10), table: 'x'.repeat(2_000) });
    await big.closed();
    expect(big.closeCode).toBe(1009);
    other.send({ type: 'subscribe', sub: 's', table: 't' });
    await other.next('snapshot-end');
  });

  it('refuses a client without the protocol version with a typed error and close code 4400', async () => {
    const { table } = await fixture();
    const { url } = await serve({ t: table });
    const c = await client(url, { protocol: null });
    expect((await c.next('error')).code).toBe('PROTOCOL_VERSION');
    await c.closed();
    expect(c.closeCode).toBe(4400);
  });

  it('authorizes connections and tables from the upgrade request', async () => {
    const one = await fixture();
    const two = await fixture();
    const { url, http } = await serve(
      { public: one.table, secret: two.table },
      {
        allowedOrigins: ['https://app.example'],
        authorize: ({ url: u, headers }) => {
          const token =
            u.searchParams.get('token') ?? headers.authorization?.replace('Bearer ', '');
          if (token === 'admin') return true;
          if (token === 'reader') return { tables: ['public'] };
          return false;
        },
      },
    );
    await expect(RawClient.connect(`${url}?token=nope`)).rejects.toThrow(/401/);
    await expect(
      RawClient.connect(`${url}?token=admin`, { headers: { origin: 'https://evil.example' } }),
    ).rejects.toThrow(/403/);
    const reader = await client(`${url}?token=reader`, {
      headers: { origin: 'https://app.example' },
    });
    // A forbidden table is answered exactly like one that does not exist: no oracle.
    reader.send({ type: 'subscribe', sub: 's', table: 'secret' });
    const forbidden = await reader.next('error');
    reader.send({ type: 'subscribe', sub: 's', table: 'secret-typo' });
    const unknown = await reader.next('error');
    expect(forbidden).toMatchObject({ code: 'UNKNOWN_TABLE', sub: 's' });
    expect(unknown.message.replace('secret-typo', 'secret')).toBe(forbidden.message);
    reader.send({ type: 'subscribe', sub: 'p', table: 'public' });
    await reader.next('snapshot-end');

    const asReader = { headers: { authorization: 'Bearer reader' } };
    const secret = await fetch(`${http}/tables/secret`, asReader);
    const typo = await fetch(`${http}/tables/secret-typo`, asReader);
    expect([secret.status, typo.status]).toEqual([404, 404]);
    expect((await typo.text()).replace('secret-typo', 'secret')).toBe(await secret.text());
    // Without credentials every table path is 401, existing or not.
    expect((await fetch(`${http}/tables/public`)).status).toBe(401);
    expect((await fetch(`${http}/tables/nope`)).status).toBe(401);
    expect(
      (await fetch(`${http}/tables/secret`, { headers: { authorization: 'Bearer admin' } })).status,
    ).toBe(200);
  });
});

describe('bridge: status', () => {
  it('I4: caught_up reaches a client only after the data the table held when it caught up', async () => {
    const { topic, writer } = await fixture();
    await writer.set('a', 1);
    await writer.set('b', 2);
    const { table: loading, held } = heldReplica(topic, brokers(), cleanup);
    const heldBatch = held.hold();
    const { url } = await serve({ t: loading });
    await heldBatch;
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 't' });
    expect((await c.next('snapshot-end')).status).toBe('loading');
    held.release();
    const status = await c.next('status');
    expect(status).toEqual({ type: 'status', table: 't', status: 'caught_up' });
    const before = c.messages.slice(0, c.messages.indexOf(status));
    expect(Object.fromEntries(replay(before, 's', 't'))).toEqual({ a: 1, b: 2 });
  });
});

describe('bridge: HTTP', () => {
  it('serves health, readiness from the status gate, metrics and table reads', async () => {
    const { writer, table } = await fixture();
    await writer.set('flag', { on: true });
    await table.barrier(10_000);
    const { http, url } = await serve({ flags: table });
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
    const ready = await fetch(`${http}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, tables: { flags: 'caught_up' } });
    const all = (await (await fetch(`${http}/tables/flags`)).json()) as {
      data: unknown;
      position: unknown;
    };
    expect(all.data).toEqual({ flag: { on: true } });
    expect(all.position).toEqual({ topicId: table.topicId, offsets: table.position });
    expect(await (await fetch(`${http}/tables/flags/flag`)).json()).toMatchObject({
      value: { on: true },
    });
    expect((await fetch(`${http}/tables/flags/missing`)).status).toBe(404);
    expect((await fetch(`${http}/tables/nope`)).status).toBe(404);
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 'flags' });
    await c.next('snapshot-end');
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^tablecast_connections\{bridge="[^"]+"\} 1$/m);
    expect(metrics).toMatch(/^tablecast_table_keys\{table="flags"\} 1$/m);
    expect(metrics).toMatch(/^tablecast_table_status\{table="flags",status="caught_up"\} 1$/m);
  });

  it('reports not ready while a table is still loading', async () => {
    const { topic } = await fixture();
    const writer = cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.superjson() }),
      (w) => w.stop(),
    );
    await writer.start();
    await writer.set('a', 1);
    const { table: loading, held } = heldReplica(topic, brokers(), cleanup);
    const heldBatch = held.hold();
    const { http } = await serve({ t: loading });
    await heldBatch;
    const response = await fetch(`${http}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ready: false, tables: { t: 'loading' } });
    held.release();
  });
});

describe('bridge: shutdown', () => {
  it('tells clients to go away and closes their sockets', async () => {
    const { table } = await fixture();
    const bridge = createBridge({ tables: { t: table }, logger: quiet });
    const { url } = await bridge.listen();
    const c = await client(url);
    await c.next('welcome');
    await bridge.close({ graceMs: 2_000 });
    expect((await c.next('goaway')).reason).toMatch(/shutting down/);
    await c.closed();
    expect(c.closeCode).toBe(1001);
  });
});

describe('bridge: slow clients', () => {
  it('I9: stops queuing for a stalled client while 100k updates flow, then resumes it by position', async () => {
    // Rounds, each waited for, so the updates reach clients as many batches rather than a few
    // compacted ones: enough bytes to fill the kernel's socket buffers and then the bridge's.
    const { table } = await fixture(2);
    const { url, bridge } = await serve({ t: table }, { slowClientBytes: 64 * 1024 });
    const reader = await client(url);
    const stalled = await client(url);
    for (const c of [reader, stalled]) {
      c.send({ type: 'subscribe', sub: 's', table: 't' });
      await c.next('snapshot-end');
    }
    stalled.pause();

    const producer = await connectProducer(testKafka(brokers()), cleanup);
    const superjson = codecs.superjson();
    const pad = 'p'.repeat(500);
    for (let round = 0; round < 40; round++) {
      await produce(
        producer,
        table.topic,
        Array.from({ length: 2_500 }, (_, i) => ({
          key: `key-${i % 1_000}`,
          value: Buffer.from(superjson.encode({ n: round * 2_500 + i, pad })),
        })),
      );
      expect(await table.barrier(60_000)).toBe(true);
    }
    await reader.next(
      'delta',
      (d) => d.position.offsets.every((o, p) => o === table.position[p]),
      60_000,
    );
    expect(bridge.metrics.slowClientEvents).toBeGreaterThanOrEqual(1);

    stalled.resume();
    const resumed = await stalled.next('snapshot-begin', () => true, 60_000);
    expect(resumed.mode).toBe('resume');
    await stalled.next('snapshot-end', () => true, 60_000);
    const expected = Object.fromEntries([...table.snapshot()].map(([k, v]) => [k, v]));
    expect(Object.fromEntries(replay(stalled.messages, 's', 't'))).toEqual(expected);
    expect(Object.fromEntries(replay(reader.messages, 's', 't'))).toEqual(expected);
    // The stalled client was never sent the 100k updates, only their compacted result.
    expect(stalled.bytesReceived).toBeLessThan(reader.bytesReceived / 2);
  });
});

describe('bridge: stalled too long', () => {
  it('closes a client that stays stalled past the limit with 4008', async () => {
    const { table } = await fixture();
    let closedOne!: () => void;
    const closing = new Promise<void>((resolve) => {
      closedOne = resolve;
    });
    const logger = {
      warn: (message: string) => {
        if (message.includes('stalled')) closedOne();
      },
      error: () => {},
    };
    const { url } = await serve(
      { t: table },
      { slowClientBytes: 16 * 1024, slowClientTimeoutMs: 300, logger },
    );
    const stalled = await client(url);
    stalled.send({ type: 'subscribe', sub: 's', table: 't' });
    await stalled.next('snapshot-end');
    stalled.pause();
    const producer = await connectProducer(testKafka(brokers()), cleanup);
    const superjson = codecs.superjson();
    const pad = 'p'.repeat(1_000);
    // Bounded: at most 100 rounds, until the bridge gives up on the socket.
    let gaveUp = false;
    void closing.then(() => {
      gaveUp = true;
    });
    for (let round = 0; round < 100 && !gaveUp; round++) {
      await produce(
        producer,
        table.topic,
        Array.from({ length: 500 }, (_, i) => ({
          key: `k${i}`,
          value: Buffer.from(superjson.encode({ round, pad })),
        })),
      );
      await table.barrier(10_000);
    }
    await closing;
    stalled.resume();
    await stalled.closed();
    expect(stalled.closeCode).toBe(4008);
  });
});

describe('bridge: positions past the end of the log', () => {
  it('I3: resets a client whose position is beyond the topic end (truncated or recreated topic)', async () => {
    const { writer, table } = await fixture();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const { url } = await serve({ t: table });
    const c = await client(url);
    c.send({
      type: 'subscribe',
      sub: 's',
      table: 't',
      position: { topicId: table.topicId!, offsets: [1_000_000] },
    });
    expect((await c.next('snapshot-begin')).mode).toBe('reset');
    await c.next('snapshot-end');
    expect(Object.fromEntries(replay(c.messages, 's', 't'))).toEqual({ a: 1 });
  });
});

describe('bridge: heartbeats', () => {
  it('terminates a peer that stops answering pings, and keeps one that answers', async () => {
    const { table } = await fixture();
    // Heartbeats run on injected timers, so the test decides when a beat happens.
    const beats: Array<() => void> = [];
    const timers = {
      setTimeout: (callback: () => void, ms: number) => {
        if (ms === 30_000) {
          beats.push(callback);
          return callback;
        }
        return setTimeout(callback, ms);
      },
      clearTimeout: (handle: unknown) => {
        if (typeof handle !== 'function') clearTimeout(handle as ReturnType<typeof setTimeout>);
      },
    };
    const { url } = await serve({ t: table }, { timers, heartbeatIntervalMs: 30_000 });
    const healthy = await client(url);
    const dead = await client(url);
    await Promise.all([healthy.next('welcome'), dead.next('welcome')]);
    dead.pause();
    beats.shift()!(); // ping both
    // The healthy client's pong arrives; the dead one's never does.
    healthy.send({ type: 'subscribe', sub: 's', table: 't' });
    await healthy.next('snapshot-end');
    beats.shift()!(); // the dead peer missed its pong: terminated
    dead.resume();
    await dead.closed();
    expect(dead.closeCode).toBe(1006);
    // A round trip after the ping means its pong was read first.
    healthy.send({ type: 'unsubscribe', sub: 's' });
    await healthy.next('unsubscribed');
    beats.shift()!();
    healthy.send({ type: 'subscribe', sub: 's2', table: 't' });
    await healthy.next('snapshot-end', (m) => m.sub === 's2');
  });
});
