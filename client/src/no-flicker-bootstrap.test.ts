import { describe, expect, it } from 'vitest';
import { parseBootstrap, type TableBootstrap } from './bootstrap.js';
import { fakeTimeAndSockets } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';
import { at } from './test/live-store.js';
import { bootstrapOf, setup, snapshot, subscribes } from './test/no-flicker-harness.js';

fakeTimeAndSockets();

describe('bootstrap', () => {
  it('hydrates before table() returns, reports caught_up and subscribes from its position', () => {
    const { client } = setup();
    const when = new Date(5);
    const prices = client.table<unknown>('prices', {
      bootstrap: bootstrapOf({ a: 1, d: when }, at(7, 3)),
    });
    // The first getSnapshot (first React render) already has the data, and it survives superjson.
    expect(Object.fromEntries(prices.getSnapshot())).toEqual({ a: 1, d: when });
    expect(prices.get('d')).toBeInstanceOf(Date);
    expect(prices.status).toBe('caught_up');
    expect(prices.position).toEqual(at(7, 3));
    const socket = FakeWebSocket.last;
    socket.open();
    expect(subscribes(socket)).toEqual([
      { type: 'subscribe', sub: expect.any(String), table: 'prices', position: at(7, 3) },
    ]);
    // Still caught up while the resume is on its way: the data is what the bridge had then.
    expect(prices.status).toBe('caught_up');
    const seen: string[] = [];
    prices.onStatus((status) => seen.push(status));
    snapshot(socket, { b: 2 }, at(9, 3), { mode: 'resume', deletes: ['a'] });
    expect(Object.fromEntries(prices)).toEqual({ b: 2, d: when });
    expect(prices.status).toBe('caught_up');
    expect(seen).toEqual([]);
    client.close();
  });

  it('reports loading for a bootstrap that was not caught up, until the bridge says so', async () => {
    const { client } = setup();
    const prices = client.table('prices', { bootstrap: bootstrapOf({ a: 1 }, at(1), 'loading') });
    expect(prices.get('a')).toBe(1);
    expect(prices.status).toBe('loading');
    FakeWebSocket.last.open();
    snapshot(FakeWebSocket.last, {}, at(1), { mode: 'resume' });
    expect(prices.status).toBe('caught_up');
    await expect(prices.whenCaughtUp({ timeoutMs: 0 })).resolves.toBe(true);
    client.close();
  });

  it('takes the bridge reset over the bootstrap when the topic changed', () => {
    const { client } = setup();
    const prices = client.table('prices', { bootstrap: bootstrapOf({ a: 1 }, at(7)) });
    FakeWebSocket.last.open();
    snapshot(FakeWebSocket.last, { z: 26 }, { topicId: 't2', offsets: [1] });
    expect(Object.fromEntries(prices)).toEqual({ z: 26 });
    client.close();
  });

  it('narrows a whole-table bootstrap to the handle filter', () => {
    const { client } = setup();
    const eu = client.table('prices', {
      prefix: 'eu/',
      bootstrap: bootstrapOf({ 'eu/a': 1, 'us/b': 2 }, at(4)),
    });
    expect([...eu.keys()]).toEqual(['eu/a']);
    FakeWebSocket.last.open();
    expect(subscribes(FakeWebSocket.last)[0]).toMatchObject({
      position: at(4),
      filter: { prefix: 'eu/' },
    });
    client.close();
  });

  it('hydrates a shared handle that has no data yet, and ignores it for one that has', () => {
    const { client } = setup();
    const first = client.table('prices');
    const socket = FakeWebSocket.last;
    const second = client.table('prices', { bootstrap: bootstrapOf({ a: 1 }, at(3)) });
    expect(second).toBe(first);
    expect(first.get('a')).toBe(1);
    socket.open();
    expect(subscribes(socket)[0]).toMatchObject({ position: at(3) });
    snapshot(socket, { a: 2 }, at(5), { mode: 'resume' });
    client.table('prices', { bootstrap: bootstrapOf({ a: 0 }, at(1)) });
    expect(first.get('a')).toBe(2);
    client.close();
  });

  it('refuses a malformed bootstrap with a TypeError naming the problem', () => {
    const { client } = setup();
    const good = bootstrapOf({ a: 1 }, at(1));
    const bad = (value: unknown) => () =>
      client.table('prices', { bootstrap: value as TableBootstrap });
    expect(bad({ ...good, position: { topicId: 't1', offsets: [-1] } })).toThrow(
      /bootstrap\.position\.offsets\[0\] must be a non-negative integer, got -1/,
    );
    expect(bad({ ...good, status: 'ready' })).toThrow(TypeError);
    expect(bad({ ...good, sets: [['a', 1]] })).toThrow(/bootstrap\.sets\[0\]\[1\]/);
    expect(bad({ ...good, extra: 1 })).toThrow(/unknown field "extra"/);
    expect(bad({ ...good, table: 'users' })).toThrow(/for table "users"/);
    expect(bad({ ...good, sets: [['a', [{}, { values: 'nonsense' }]]] })).toThrow(TypeError);
    expect(bad(null)).toThrow(TypeError);
    // Nothing was half-created: the socket was never opened.
    expect(FakeWebSocket.instances).toHaveLength(0);
    client.close();
  });

  it('parseBootstrap accepts the object or its JSON text', () => {
    const good = bootstrapOf({ a: new Date(0) }, at(2));
    expect(parseBootstrap(JSON.parse(JSON.stringify(good)))).toEqual(good);
    expect(parseBootstrap(JSON.stringify(good))).toEqual(good);
    expect(() => parseBootstrap('{nope')).toThrow(/not valid JSON/);
    expect(() => parseBootstrap({ position: at(1), sets: [] })).toThrow(
      /bootstrap\.status is missing/,
    );
  });
});
