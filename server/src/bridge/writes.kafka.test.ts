import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { createClient } from '../../../client/src/create-client.js';
import { superjsonValues } from '../../../client/src/superjson-values.js';
import type { WebSocketLikeConstructor } from '../../../client/src/websocket-like.js';
import { codecs } from '../../../shared/src/codecs/index.js';
import { toWireValue } from '../../../shared/src/protocol/wire-value.js';
import { Cleanup, liveTopic } from '../../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../../test/kafka.js';
import { RawClient } from '../../../test/raw-client.js';
import { KafkaTable } from '../kafka-table.js';
import { KafkaTableWriter } from '../kafka-table-writer.js';
import type { BridgeOptions } from './bridge-options.js';
import { createBridge } from './create-bridge.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

async function serve(options: BridgeOptions) {
  const bridge = cleanup.add(createBridge({ logger: quiet, ...options }), (b) =>
    b.close({ graceMs: 200 }),
  );
  return { bridge, ...(await bridge.listen()) };
}

function client(url: string) {
  return cleanup.add(
    createClient({
      url,
      wireValues: superjsonValues,
      WebSocket: WebSocket as unknown as WebSocketLikeConstructor,
      backoff: { initialDelayMs: 20, maxDelayMs: 200 },
    }),
    (c) => c.close(),
  );
}

async function raw(url: string) {
  return cleanup.add(await RawClient.connect(url), (c) => c.close());
}

describe('writes through the bridge', () => {
  it('I14: set and delete resolve once the handle itself shows the write (read-your-writes)', async () => {
    const { table, writer } = await liveTopic(cleanup, 'writes', 3);
    const { url } = await serve({ tables: { flags: table }, writers: { flags: writer } });
    const flags = client(url).table<{ on: boolean; at?: Date }>('flags');
    expect(await flags.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
    for (let i = 0; i < 5; i++) {
      const receipt = await flags.set(`flag-${i}`, { on: true, at: new Date(i) });
      // No waiting: the map already holds it when the write resolves.
      expect(flags.get(`flag-${i}`)).toEqual({ on: true, at: new Date(i) });
      expect(receipt.topicId).toBe(table.topicId);
      expect(flags.position!.offsets[receipt.partition]).toBeGreaterThan(receipt.offset);
    }
    await flags.delete('flag-0');
    expect(flags.has('flag-0')).toBe(false);
    // A JSON-only client refuses a value it would send as something else (a Date as a string).
    const jsonOnly = cleanup.add(
      createClient({ url, WebSocket: WebSocket as unknown as WebSocketLikeConstructor }),
      (c) => c.close(),
    );
    await expect(jsonOnly.table('flags').set('flag-9', { at: new Date(0) })).rejects.toMatchObject({
      code: 'INVALID',
      message: expect.stringContaining('superjsonValues'),
    });
    // A key the table's key codec cannot encode is the caller's mistake, not Kafka's.
    await expect(flags.set('\udc00', { on: true })).rejects.toMatchObject({
      code: 'INVALID',
      message: expect.stringContaining('key'),
    });
    // And Kafka has it: the bridge's own table, read from the topic, agrees.
    expect(table.get('flag-1')).toEqual({ on: true, at: new Date(1) });
    expect(table.has('flag-0')).toBe(false);
  });

  it('refuses with typed errors: not writable, forbidden, invalid for the schema, rate limited', async () => {
    const schema = z.object({ on: z.boolean() });
    const topic = uniqueTopic('writes-schema');
    const table = cleanup.add(
      KafkaTable.json({ brokers: brokers(), topic, schema, logger: quiet }),
      (t) => t.stop(),
    );
    const writer = cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.json({ schema }) }),
      (w) => w.stop(),
    );
    const readOnly = await liveTopic(cleanup, 'writes-ro');
    const { url, bridge } = await serve({
      tables: { flags: table as unknown as KafkaTable<unknown>, audit: readOnly.table },
      writers: { flags: writer },
      authorizeWrite: (_request, write) => !write.key.startsWith('admin/'),
      maxWritesPerSecond: 5,
    });
    await bridge.ready();
    const c = client(url);
    const flags = c.table<unknown>('flags');
    await expect(flags.set('admin/kill', { on: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(flags.set('x', { on: 'yes' })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(c.table('audit').set('x', 1)).rejects.toMatchObject({ code: 'NOT_WRITABLE' });
    await expect(c.table('nope').set('x', 1)).rejects.toMatchObject({ code: 'NOT_WRITABLE' });

    const r = await raw(url);
    for (let i = 0; i < 30; i++) {
      r.send({
        type: 'write',
        id: `burst-${i}`,
        table: 'flags',
        key: `k${i}`,
        value: [{ on: true }],
      });
    }
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => r.next('write-result', (m) => m.id === `burst-${i}`)),
    );
    const limited = results.filter((m) => !m.ok && m.code === 'RATE_LIMITED').length;
    // Bursts of twice the rate pass; the rest are refused until tokens come back.
    expect(limited).toBeGreaterThanOrEqual(30 - 10 - 2);
    expect(results.filter((m) => m.ok).length).toBeGreaterThanOrEqual(10);
  });

  it('I13: a retried write id is written once, on any connection to the bridge, with the first result', async () => {
    const { table, writer } = await liveTopic(cleanup, 'writes-dedup');
    const { url } = await serve({ tables: { flags: table }, writers: { flags: writer } });
    const first = await raw(url);
    first.send({ type: 'write', id: 'once', table: 'flags', key: 'k', value: toWireValue(1) });
    const a = await first.next('write-result', (m) => m.id === 'once');
    // The socket is gone before the client saw its answer; it retries on a new one.
    await first.close();
    const second = await raw(url);
    second.send({ type: 'write', id: 'once', table: 'flags', key: 'k', value: toWireValue(1) });
    const b = await second.next('write-result', (m) => m.id === 'once');
    expect(b).toEqual(a);
    second.send({ type: 'write', id: 'twice', table: 'flags', key: 'k', value: toWireValue(2) });
    const c = await second.next('write-result', (m) => m.id === 'twice');
    expect(a.ok && c.ok).toBe(true);
    if (a.ok && c.ok) expect(c.offset).toBe(a.offset + 1);
  });
});
