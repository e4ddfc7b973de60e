import { get, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { codecs } from '../../../shared/src/codecs/index.js';
import {
  parseServerMessage,
  type ServerMessage,
  type SnapshotEndMessage,
} from '../../../shared/src/protocol/index.js';
import { bridgeTestBed } from '../../../test/bridge-fixtures.js';
import { connectProducer, produce, testKafka } from '../../../test/fixtures.js';
import { brokers } from '../../../test/kafka.js';
import { replay } from '../../../test/raw-client.js';
import type { KafkaTable } from '../kafka-table.js';

const bed = bridgeTestBed('http-snapshot');
const { fixture, serve, client } = bed;

/** A GET whose body the test reads at its own pace: `response.pause()` stops reading. */
function request(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, resolve).on('error', reject);
  });
}

async function text(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let body = '';
  for await (const chunk of response) body += chunk;
  return body;
}

/** The body's messages, each line through the client's own parser. */
function messagesOf(body: string): ServerMessage[] {
  expect(body.endsWith('\n')).toBe(true);
  return body
    .slice(0, -1)
    .split('\n')
    .map((line) => parseServerMessage(line));
}

/** Keys × ~`pad` bytes straight into the topic, in batches under the broker's size limit. */
async function fill(topic: string, keys: number, pad: number): Promise<void> {
  const producer = await connectProducer(testKafka(brokers()), bed.cleanup);
  const superjson = codecs.superjson();
  const padding = 'x'.repeat(pad);
  for (let from = 0; from < keys; from += 2_000) {
    const count = Math.min(2_000, keys - from);
    await produce(
      producer,
      topic,
      Array.from({ length: count }, (_, i) => ({
        key: `k${from + i}`,
        value: Buffer.from(superjson.encode({ v: 1, pad: padding })),
      })),
    );
  }
}

const positionOf = (table: KafkaTable<unknown>) => ({
  topicId: table.topicId!,
  offsets: [...table.position],
});

describe('bridge: snapshots over HTTP (PROTOCOL.md §19)', () => {
  it('streams the lines a subscription without a position gets, and the socket resumes from their end', async () => {
    const { writer, table } = await fixture();
    for (let i = 0; i < 30; i++) await writer.set(`k${i}`, { i });
    await writer.delete('k3');
    await table.barrier(10_000);
    const { url, http } = await serve({ flags: table }, { snapshotPartSize: 7 });
    const response = await request(`${http}/tables/flags?format=snapshot`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const body = await text(response);
    const messages = messagesOf(body);
    expect(messages[0]).toEqual({
      type: 'snapshot-begin',
      sub: 'http',
      table: 'flags',
      mode: 'reset',
    });
    expect(messages.slice(1, -1).every((m) => m.type === 'snapshot-part')).toBe(true);
    // 29 keys in parts of 7.
    expect(messages).toHaveLength(1 + 5 + 1);
    const end = messages.at(-1) as SnapshotEndMessage;
    expect(end).toEqual({
      type: 'snapshot-end',
      sub: 'http',
      position: positionOf(table),
      status: 'caught_up',
    });
    const expected = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`k${i}`, { i }]).filter(([k]) => k !== 'k3'),
    );
    expect(Object.fromEntries(replay(messages, 'http', 'flags'))).toEqual(expected);

    // The socket takes it from there: a resume with only what changed since.
    await writer.set('late', { i: 99 });
    await writer.delete('k5');
    await table.barrier(10_000);
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 'flags', position: end.position });
    expect(await c.next('snapshot-begin')).toMatchObject({ mode: 'resume' });
    await c.next('snapshot-end');
    const parts = c.messages.filter((m) => m.type === 'snapshot-part');
    expect(parts.flatMap((p) => p.sets.map(([k]) => k))).toEqual(['late']);
    expect(parts.flatMap((p) => p.deletes)).toEqual(['k5']);

    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toContain(
      `tablecast_http_snapshot_bytes_total{bridge="${/bridge="([^"]+)"/.exec(metrics)![1]}"} ${Buffer.byteLength(body)}`,
    );
    expect(metrics).toMatch(/^tablecast_http_snapshots\{[^}]+\} 0$/m);
  });

  it('I10: describes one position while the table changes under a reader that does not read', async () => {
    const { topic, writer, table } = await fixture();
    // ~8.6 MB of body: loopback buffers hold ~4 MB for a reader that does not read.
    await fill(topic, 20_000, 400);
    await table.barrier(60_000);
    const before = positionOf(table);
    const { url, http } = await serve(
      { big: table },
      { snapshotPartSize: 100, slowClientBytes: 64 * 1024 },
    );
    // Headers in, body not read: what loopback buffers take, and no more, leaves the bridge.
    const response = await request(`${http}/tables/big?format=snapshot`);
    // The bridge is part-way through (its response is waiting to drain) while these land.
    const changed = Array.from({ length: 50 }, (_, i) => `k${i * 397}`);
    for (const key of changed) await writer.set(key, { v: 2 });
    await writer.delete('k19999');
    await writer.set('new', { v: 2 });
    await table.barrier(10_000);
    // Still streaming now that the changes are applied: the view was open under them.
    const during = await (await fetch(`${http}/metrics`)).text();
    expect(during).toMatch(/^tablecast_http_snapshots\{[^}]+\} 1$/m);
    const messages = messagesOf(await text(response));
    const keys = messages.flatMap((m) =>
      m.type === 'snapshot-part' ? m.sets.map(([k]) => k) : [],
    );
    expect(new Set(keys).size).toBe(keys.length);
    const map = replay(messages, 'http', 'big');
    // Exactly the table before the changes: old values kept, the deleted key there, no new key.
    expect(map.size).toBe(20_000);
    expect(changed.every((key) => (map.get(key) as { v: number }).v === 1)).toBe(true);
    expect(map.has('k19999')).toBe(true);
    expect(map.has('new')).toBe(false);
    const end = messages.at(-1) as SnapshotEndMessage;
    expect(end.position).toEqual(before);
    // And a resume from there brings exactly the changes.
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 'big', position: end.position });
    await c.next('snapshot-end');
    const parts = c.messages.filter((m) => m.type === 'snapshot-part');
    expect(parts.flatMap((p) => p.sets.map(([k]) => k)).sort()).toEqual([...changed, 'new'].sort());
    expect(parts.flatMap((p) => p.deletes)).toEqual(['k19999']);
  }, 120_000);

  it('cuts a reader that stalls past slowClientTimeoutMs and frees its connection slot', async () => {
    const { topic, table } = await fixture();
    await fill(topic, 20_000, 400);
    await table.barrier(60_000);
    let cutLogged: () => void = () => {};
    const cut = new Promise<void>((resolve) => {
      cutLogged = resolve;
    });
    const { http } = await serve(
      { big: table },
      {
        snapshotPartSize: 100,
        slowClientBytes: 64 * 1024,
        slowClientTimeoutMs: 300,
        maxConnectionsPerAddress: 1,
        logger: {
          warn: (message) => {
            if (message.includes('stayed stalled')) cutLogged();
          },
          error: () => {},
        },
      },
    );
    // Headers in, body never read.
    const response = await request(`${http}/tables/big?format=snapshot`);
    // The slot is taken while it streams: a second one from this address is refused.
    const second = await request(`${http}/tables/big?format=snapshot`);
    expect(second.statusCode).toBe(429);
    await text(second);
    await cut;
    // What was sent before the cut arrives, then the body ends without its last chunk.
    const read = text(response).then(
      () => 'complete',
      (error: Error) => error.message,
    );
    expect(await read).toBe('aborted');
    const third = await request(`${http}/tables/big?format=snapshot`);
    expect(third.statusCode).toBe(200);
    expect(messagesOf(await text(third)).at(-1)?.type).toBe('snapshot-end');
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^tablecast_slow_client_disconnects_total\{[^}]+\} 1$/m);
  }, 120_000);

  it('answers allowed origins with CORS, refuses others, and asks authorize like the socket does', async () => {
    const { writer, table } = await fixture();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const { http } = await serve(
      { flags: table },
      {
        allowedOrigins: ['https://app.example'],
        authorize: (r) => r.url.searchParams.get('token') === 'good',
      },
    );
    const path = `${http}/tables/flags?format=snapshot`;
    const allowed = await request(`${path}&token=good`, { origin: 'https://app.example' });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(allowed.headers.vary).toBe('Origin');
    expect(messagesOf(await text(allowed)).at(-1)?.type).toBe('snapshot-end');
    const other = await request(`${path}&token=good`, { origin: 'https://evil.example' });
    expect(other.statusCode).toBe(403);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    await text(other);
    const noToken = await request(path, { origin: 'https://app.example' });
    expect(noToken.statusCode).toBe(401);
    await text(noToken);
    const unknown = await request(`${http}/tables/nope?format=snapshot&token=good`);
    expect(unknown.statusCode).toBe(404);
    await text(unknown);
  });
});
