import fc from 'fast-check';
import { firstValueFrom, filter as rxFilter } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBridge } from '../../server/src/bridge/create-bridge.js';
import type { KafkaTable } from '../../server/src/kafka-table.js';
import { untilMap } from '../../test/client-fixtures.js';
import { Cleanup, heldReplica, liveTopic } from '../../test/fixtures.js';
import { brokers } from '../../test/kafka.js';
import { cacheKey } from './cache-entry.js';
import { createClient } from './create-client.js';
import { rx } from './rx/index.js';
import { signals } from './signals/index.js';
import { superjsonValues } from './superjson-values.js';
import { memoryCache } from './table-cache.js';
import type { WebSocketLikeConstructor } from './websocket-like.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const topicTable = (partitions = 2) => liveTopic(cleanup, 'client', partitions);

async function bridgeFor(tables: Record<string, KafkaTable<unknown>>, port = 0) {
  const bridge = cleanup.add(createBridge({ tables, logger: quiet }), (b) =>
    b.close({ graceMs: 100 }),
  );
  return { bridge, ...(await bridge.listen({ port })) };
}

function client(url: string | (() => string)) {
  return cleanup.add(
    createClient({
      url,
      WebSocket: WebSocket as unknown as WebSocketLikeConstructor,
      backoff: { initialDelayMs: 20, maxDelayMs: 200 },
      // The tables hold Dates.
      wireValues: superjsonValues,
    }),
    (c) => c.close(),
  );
}

describe('client against a real bridge', () => {
  it('holds a live table: snapshot, deltas, rx and signals, status gate', async () => {
    const { table, writer } = await topicTable();
    await writer.set('new-checkout', { on: false, since: new Date(0) });
    await writer.set('dark-mode', { on: true });
    await table.barrier(10_000);
    const { url } = await bridgeFor({ flags: table });
    const c = client(url);
    const flags = c.table<{ on: boolean; since?: Date }>('flags');
    expect(flags.status).toBe('loading');
    expect(await flags.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
    expect(flags.status).toBe('caught_up');
    expect(c.connection).toBe('open');
    expect(flags.get('new-checkout')).toEqual({ on: false, since: new Date(0) });

    const { table$, status$ } = rx(flags);
    const { key } = signals(flags);
    const checkout = key('new-checkout');
    let darkModeNotifications = 0;
    const darkMode = key('dark-mode');
    const stop = darkMode.subscribe(() => darkModeNotifications++);
    expect(await firstValueFrom(status$)).toBe('caught_up');
    const seen = firstValueFrom(table$.pipe(rxFilter((m) => m.get('new-checkout')?.on === true)));
    await writer.set('new-checkout', { on: true });
    expect((await seen).get('new-checkout')).toEqual({ on: true });
    expect(checkout.value).toEqual({ on: true });
    // The per-key signal of an untouched key did not fire again.
    expect(darkModeNotifications).toBe(1);
    stop();
    await writer.delete('dark-mode');
    await untilMap(flags, (m) => !m.has('dark-mode'));
  });

  it('serves many tables and filtered handles over one socket', async () => {
    const a = await topicTable(1);
    const b = await topicTable(1);
    for (const k of ['svc/1', 'svc/2', 'db/1']) await a.writer.set(k, k);
    await b.writer.set('x', 1);
    await Promise.all([a.table.barrier(10_000), b.table.barrier(10_000)]);
    const { url, bridge } = await bridgeFor({ registry: a.table, other: b.table });
    const c = client(url);
    const svc = c.table<string>('registry', { prefix: 'svc/' });
    const one = c.table<string>('registry', { keys: ['db/1'] });
    const other = c.table<number>('other');
    await Promise.all([svc, one, other].map((h) => h.whenCaughtUp({ timeoutMs: 10_000 })));
    expect([...svc.keys()].sort()).toEqual(['svc/1', 'svc/2']);
    expect([...one.entries()]).toEqual([['db/1', 'db/1']]);
    expect(other.get('x')).toBe(1);
    expect(bridge.metrics.connections).toBe(1);
  });

  it('a table the bridge forbids drops what the cache painted and deletes the cache entry', async () => {
    const { table, writer } = await topicTable(1);
    await writer.set('a', 1);
    await table.barrier(10_000);
    const bridge = cleanup.add(
      createBridge({
        tables: { flags: table },
        logger: quiet,
        authorize: ({ url }) => url.searchParams.get('token') === 'all' || { tables: [] },
      }),
      (b) => b.close({ graceMs: 100 }),
    );
    const { url } = await bridge.listen({ port: 0 });
    const cache = memoryCache();
    const key = cacheKey('flags', undefined);
    const allowed = createClient({
      url,
      WebSocket: WebSocket as unknown as WebSocketLikeConstructor,
      token: () => 'all',
      cache,
    });
    await allowed.table('flags').whenCaughtUp({ timeoutMs: 10_000 });
    allowed.close();
    expect(cache.entries.has(key)).toBe(true);

    const errors: string[] = [];
    const refused = cleanup.add(
      createClient({
        url,
        WebSocket: WebSocket as unknown as WebSocketLikeConstructor,
        cache,
        onError: (error) => errors.push(error.code),
      }),
      (c) => c.close(),
    );
    const flags = refused.table<number>('flags');
    expect(flags.get('a')).toBe(1);
    await new Promise<void>((resolve) =>
      flags.onStatus((status) => status === 'failed' && resolve()),
    );
    expect(flags.size).toBe(0);
    // By default the bridge answers a forbidden table like an unknown one (no oracle for table
    // names): the client drops the data either way.
    expect(flags.statusReason).toMatch(/^UNKNOWN_TABLE: /);
    expect(errors).toEqual(['UNKNOWN_TABLE']);
    expect(cache.entries.has(key)).toBe(false);
  });

  it('resumes after a bridge restart and receives what changed while it was away', async () => {
    const { table, writer } = await topicTable();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const first = await bridgeFor({ t: table });
    const states: string[] = [];
    const c = client(first.url);
    c.onConnection((s) => states.push(s));
    const t = c.table<number>('t');
    await t.whenCaughtUp({ timeoutMs: 10_000 });

    await first.bridge.close({ graceMs: 500 });
    await writer.set('a', 2);
    await writer.set('b', 3);
    await table.barrier(10_000);
    // The map stays readable while the bridge is away.
    expect(t.get('a')).toBe(1);
    await bridgeFor({ t: table }, first.port);
    await untilMap(t, (m) => m.get('a') === 2 && m.get('b') === 3);
    expect(states).toContain('reconnecting');
    expect(c.connection).toBe('open');
    expect(await t.whenCaughtUp({ timeoutMs: 10_000 })).toBe(true);
  });

  it('I3: never goes back in time when moved from a fresh replica to a lagging one', async () => {
    const { topic, table, writer } = await topicTable(1);
    await writer.set('k', 'v1');
    await table.barrier(10_000);
    const { table: lagging, held } = heldReplica(topic, brokers(), cleanup);
    await lagging.start();
    const heldBatch = held.hold();
    await writer.set('k', 'v2');
    await table.barrier(10_000);
    await heldBatch;

    const fresh = await bridgeFor({ t: table });
    const slow = await bridgeFor({ t: lagging });
    let target = fresh.url;
    const c = client(() => target);
    const t = c.table<string>('t');
    await untilMap(t, (m) => m.get('k') === 'v2');
    const values: Array<string | undefined> = [];
    t.subscribe(() => values.push(t.get('k')));

    target = slow.url;
    await fresh.bridge.close({ graceMs: 200 });
    await expect(lagging.waitFor({ partition: 0, offset: 1 }, 500)).resolves.toBe(false);
    held.release();
    await writer.set('k', 'v3');
    await untilMap(t, (m) => m.get('k') === 'v3');
    expect(values).not.toContain('v1');
  });

  it('I3: always converges to the model under random writes, deletes and bridge restarts', async () => {
    const { table, writer } = await topicTable(2);
    const first = await bridgeFor({ t: table });
    let current = first;
    const c = client(() => current.url);
    const t = c.table<number>('t');
    await t.whenCaughtUp({ timeoutMs: 10_000 });
    const model = new Map<string, number>();
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const command = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key }),
      fc.record({ kind: fc.constant('restart' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
        for (const cmd of commands) {
          if (cmd.kind === 'set') {
            await writer.set(cmd.key, cmd.value);
            model.set(cmd.key, cmd.value);
          } else if (cmd.kind === 'delete') {
            await writer.delete(cmd.key);
            model.delete(cmd.key);
          } else {
            const port = current.port;
            await current.bridge.close({ graceMs: 100 });
            current = await bridgeFor({ t: table }, port);
          }
        }
        expect(await table.barrier(10_000)).toBe(true);
        await untilMap(t, (m) => sameMap(m, model));
      }),
      { numRuns: 6, seed: 20261122 },
    );
  });
});

function sameMap(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of b) if (a.get(k) !== v) return false;
  return true;
}
