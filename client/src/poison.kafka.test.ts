import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBridge } from '../../server/src/bridge/create-bridge.js';
import { KafkaTable } from '../../server/src/kafka-table.js';
import { codecs } from '../../shared/src/codecs/index.js';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  type Message,
  produce,
  testKafka,
  until,
} from '../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { createClient } from './create-client.js';
import type { WebSocketLikeConstructor } from './websocket-like.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

/** Deeper than superjson (and JSON.stringify) can walk, which JSON.parse reads fine. */
const DEPTH = 5_000;
const deepJson = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const depthOf = (value: unknown) => {
  let depth = 0;
  for (let v = value; Array.isArray(v); v = v[0]) depth++;
  return depth;
};

/**
 * Two tables fed the same writes. `sj` (superjson codec): a deep value decodes but has no wire
 * form, garbage does not decode; both keep the key's previous value. `js` (plain JSON codec):
 * the deep value is valid JSON kept as its own text and delivered, garbage does not decode.
 */
type Model = Map<string, number | 'deep'>;
type Write =
  | { kind: 'set'; key: string; value: number }
  | { kind: 'deep'; key: string }
  | { kind: 'garbage'; key: string }
  | { kind: 'delete'; key: string };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }),
  fc.record({ kind: fc.constant('deep' as const), key }),
  fc.record({ kind: fc.constant('garbage' as const), key }),
  fc.record({ kind: fc.constant('delete' as const), key }),
);
/** Writes sent together, so poison and good records share a batch; or a bridge restart. */
const command = fc.oneof(
  { weight: 4, arbitrary: fc.array(write, { minLength: 1, maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constant('restart' as const) },
);

const superjsonBytes = (w: Write): string | null =>
  w.kind === 'set'
    ? JSON.stringify({ json: w.value })
    : w.kind === 'deep'
      ? `{"json":${deepJson}}`
      : w.kind === 'garbage'
        ? '{"json":'
        : null;
const jsonBytes = (w: Write): string | null =>
  w.kind === 'set'
    ? String(w.value)
    : w.kind === 'deep'
      ? deepJson
      : w.kind === 'garbage'
        ? '{'
        : null;

function applyTo(sj: Model, js: Model, w: Write): void {
  if (w.kind === 'set') {
    sj.set(w.key, w.value);
    js.set(w.key, w.value);
  } else if (w.kind === 'delete') {
    sj.delete(w.key);
    js.delete(w.key);
  } else if (w.kind === 'deep') {
    js.set(w.key, 'deep');
  }
}

function matches(map: ReadonlyMap<string, unknown>, model: Model): boolean {
  if (map.size !== model.size) return false;
  for (const [k, expected] of model) {
    const actual = map.get(k);
    if (expected === 'deep' ? depthOf(actual) !== DEPTH : actual !== expected) return false;
  }
  return true;
}

async function startTable(topic: string, valueCodec: 'json' | 'superjson') {
  const table = cleanup.add(
    new KafkaTable<unknown>({
      brokers: brokers(),
      topic,
      valueCodec: valueCodec === 'json' ? codecs.json() : codecs.superjson(),
      ensureTopic: false,
      logger: quiet,
    }),
    (t) => t.stop(),
  );
  await table.start();
  return table;
}

describe('poison records', () => {
  it('every client holds exactly the good records, whatever poison is mixed in', async () => {
    const kafka = testKafka(brokers());
    const admin = await connectAdmin(kafka, cleanup);
    const topics = { sj: uniqueTopic('poison-sj'), js: uniqueTopic('poison-js') };
    await createTopic(admin, topics.sj, 2);
    await createTopic(admin, topics.js, 2);
    const producer = await connectProducer(kafka, cleanup);
    const tables = {
      sj: await startTable(topics.sj, 'superjson'),
      js: await startTable(topics.js, 'json'),
    };

    const listen = async (port = 0) => {
      const bridge = cleanup.add(createBridge({ tables, logger: quiet }), (b) =>
        b.close({ graceMs: 100 }),
      );
      return { bridge, ...(await bridge.listen({ port })) };
    };
    const newClient = () =>
      cleanup.add(
        createClient({
          url: () => current.url,
          WebSocket: WebSocket as unknown as WebSocketLikeConstructor,
          backoff: { initialDelayMs: 20, maxDelayMs: 200 },
        }),
        (c) => c.close(),
      );
    let current = await listen();
    const client = newClient();
    const handles = { sj: client.table<unknown>('sj'), js: client.table<unknown>('js') };
    const models: { sj: Model; js: Model } = { sj: new Map(), js: new Map() };

    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), async (commands) => {
        for (const cmd of commands) {
          if (cmd === 'restart') {
            const port = current.port;
            await current.bridge.close({ graceMs: 100 });
            current = await listen(port);
            continue;
          }
          const messages = (bytes: (w: Write) => string | null): Message[] =>
            cmd.map((w) => ({ key: w.key, value: bytes(w) }));
          await produce(producer, topics.sj, messages(superjsonBytes));
          await produce(producer, topics.js, messages(jsonBytes));
          for (const w of cmd) applyTo(models.sj, models.js, w);
        }
        expect(await tables.sj.barrier(10_000)).toBe(true);
        expect(await tables.js.barrier(10_000)).toBe(true);
        for (const name of ['sj', 'js'] as const) {
          const handle = handles[name];
          // untilMap would print the map, and deep values do not stringify.
          await until(
            (listener) => handle.subscribe(listener),
            () => matches(handle.getSnapshot(), models[name]),
            `table ${name} to match its model ${JSON.stringify([...models[name]])}`,
            20_000,
          );
        }

        // A new subscription gets a whole snapshot and catches up.
        const fresh = newClient();
        for (const name of ['sj', 'js'] as const) {
          const handle = fresh.table<unknown>(name);
          expect(await handle.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
          expect(matches(handle.getSnapshot(), models[name])).toBe(true);
          for (const query of ['', '?format=bootstrap']) {
            const http = await fetch(`http://127.0.0.1:${current.port}/tables/${name}${query}`);
            expect(http.status).toBe(200);
            JSON.parse(await http.text());
          }
        }
        fresh.close();
      }),
      { numRuns: 10, seed: 20261205 },
    );
    expect(tables.sj.stats.valueEncodeErrors).toBeGreaterThan(0);
    expect(tables.js.stats.valueDecodeErrors).toBeGreaterThan(0);
  });
});
