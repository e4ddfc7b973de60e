import { describe, expect, it } from 'vitest';
import type { KeyFilter, Position } from '../../../shared/src/protocol/index.js';
import { keyMatcher } from '../../../shared/src/protocol/key-filter.js';
import { bridgeTestBed } from '../../../test/bridge-fixtures.js';
import { heldReplica } from '../../../test/fixtures.js';
import { brokers } from '../../../test/kafka.js';
import { replay } from '../../../test/raw-client.js';

const bed = bridgeTestBed('bridge');
const { fixture, serve, client } = bed;

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

  it('shares filtered delta bytes between sockets with the same filter and sub id, each in its filter', async () => {
    const { writer, table } = await fixture();
    for (const key of ['a', 'b', 'x/1', 'y']) await writer.set(key, 0);
    await table.barrier(10_000);
    const { url } = await serve({ t: table });
    const asks: Array<[string, KeyFilter]> = [
      ['s1', { keys: ['a', 'b'] }],
      // The same canonical filter as the first: same keys in another order, a duplicate.
      ['s1', { keys: ['b', 'a', 'b'] }],
      ['s1', { prefix: 'x/' }],
      // The first filter under another sub id: the id is in the bytes.
      ['other', { keys: ['a', 'b'] }],
    ];
    const clients = await Promise.all(asks.map(() => client(url)));
    for (const [i, c] of clients.entries()) {
      c.send({ type: 'subscribe', sub: asks[i]![0], table: 't', filter: asks[i]![1] });
      await c.next('snapshot-end');
    }
    await writer.set('a', 1);
    await writer.delete('b');
    await writer.set('x/2', 2);
    await writer.set('y', 1);
    await writer.set('a', 'last');
    await writer.set('x/1', 'last');
    await table.barrier(10_000);
    const sawLast = (key: string) => (d: { sets: readonly (readonly [string, unknown])[] }) =>
      d.sets.some(([k, v]) => k === key && (v as unknown[])[0] === 'last');
    for (const [i, c] of clients.entries()) await c.next('delta', sawLast(i === 2 ? 'x/1' : 'a'));

    const deltas = clients.map((c) => c.frames.filter((f) => f.includes('"type":"delta"')));
    expect(deltas[0]!.length).toBeGreaterThan(0);
    expect(deltas[1]).toEqual(deltas[0]);
    expect(deltas[3]).toEqual(deltas[0]!.map((f) => f.replace('"sub":"s1"', '"sub":"other"')));
    for (const [i, c] of clients.entries()) {
      const [sub, filter] = asks[i]!;
      const matches = keyMatcher(filter)!;
      for (const frame of deltas[i]!) {
        const d = JSON.parse(frame) as { sub: string; sets: [string][]; deletes: string[] };
        expect(d.sub).toBe(sub);
        for (const key of [...d.sets.map(([k]) => k), ...d.deletes])
          expect(matches(key)).toBe(true);
      }
      const inFilter = [...table.snapshot()].filter(([key]) => matches(key));
      expect(replay(c.messages, sub, 't', true)).toEqual(new Map(inFilter));
    }

    // A socket resuming from the first one's last position gets what it missed, within its filter.
    const last = clients[0]!.messages
      .filter((m) => m.type === 'delta' || m.type === 'snapshot-end')
      .at(-1);
    await writer.set('b', 'back');
    await writer.set('x/1', 'again');
    await table.barrier(10_000);
    const resumed = await client(url);
    resumed.send({
      type: 'subscribe',
      sub: 's1',
      table: 't',
      filter: { keys: ['a', 'b'] },
      position: (last as { position: Position }).position,
    });
    expect((await resumed.next('snapshot-begin')).mode).toBe('resume');
    await resumed.next('snapshot-end');
    expect(replay([...clients[0]!.messages, ...resumed.messages], 's1', 't', true)).toEqual(
      new Map([
        ['a', 'last'],
        ['b', 'back'],
      ]),
    );
  });
});

describe('bridge: status', () => {
  it('I4: caught_up reaches a client only after the data the table held when it caught up', async () => {
    const { topic, writer } = await fixture();
    await writer.set('a', 1);
    await writer.set('b', 2);
    const { table: loading, held } = heldReplica(topic, brokers(), bed.cleanup);
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
