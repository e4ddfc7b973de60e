import { describe, expect, it, vi } from 'vitest';
import { toWireValue } from '../../shared/src/protocol/index.js';
import type { ServerMessage } from '../../shared/src/protocol/messages.js';
import {
  at,
  delta,
  fakeTimeAndSockets,
  lastSub,
  sentOf,
  setup,
  snapshot,
} from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';

// The keys a bridge sends are checked too: each once per snapshot or delta (I11), and within a
// filtered subscription's filter (§7). Either broken voids the message: resubscribe with a reset.
fakeTimeAndSockets();

function live(filter?: { keys: string[] }) {
  const harness = setup();
  const prices = harness.client.table<unknown>('prices', filter ?? {});
  const socket = FakeWebSocket.last;
  socket.open();
  const sub = lastSub(socket);
  snapshot(socket, sub, filter ? { a: { v: 1 } } : { a: { v: 1 }, b: 2 }, at(1));
  harness.errors.length = 0;
  return { ...harness, prices, socket, sub };
}

const wire = (value: unknown) => toWireValue(value);

/** A part in a field order the scanner does not take, so the full parser reads it. */
function parsedPart(sub: string, sets: [string, unknown][], deletes: string[] = []): string {
  return JSON.stringify({
    sets: sets.map(([k, v]) => [k, wire(v)]),
    deletes,
    type: 'snapshot-part',
    sub,
  });
}

/** Expects the subscription resynced for `pattern`, with the map as it was. */
function expectResynced(
  harness: ReturnType<typeof live>,
  pattern: RegExp,
  before: ReadonlyMap<string, unknown>,
) {
  const { errors, socket, sub, prices } = harness;
  expect(errors.map((error) => error.code)).toEqual(['PROTOCOL']);
  expect(errors[0]!.message).toMatch(pattern);
  expect(sentOf(socket, 'unsubscribe')).toEqual([{ type: 'unsubscribe', sub }]);
  expect(prices.getSnapshot()).toBe(before);
  vi.advanceTimersByTime(1_000);
  // The next subscribe asks for a reset: no position.
  expect(sentOf(socket, 'subscribe').at(-1)).not.toHaveProperty('position');
}

describe('I11: one entry per key', () => {
  const cases: [string, (sub: string) => (ServerMessage | string)[]][] = [
    [
      'a key in two parts of a reset (scanned parts)',
      (sub) => [
        { type: 'snapshot-part', sub, sets: [['k', wire({ v: 1 })]], deletes: [] },
        { type: 'snapshot-part', sub, sets: [['k', wire({ v: 2 })]], deletes: [] },
      ],
    ],
    [
      'a key twice in one part (a scalar value)',
      (sub) => [
        {
          type: 'snapshot-part',
          sub,
          sets: [
            ['k', wire(1)],
            ['k', wire(2)],
          ],
          deletes: [],
        },
      ],
    ],
    [
      'a key set and deleted (parts the parser reads)',
      (sub) => [parsedPart(sub, [['k', { v: 1 }]]), parsedPart(sub, [], ['k'])],
    ],
    ['a key deleted twice', (sub) => [parsedPart(sub, [], ['x']), parsedPart(sub, [], ['x'])]],
    [
      'a key deleted, then set',
      (sub) => [
        { type: 'snapshot-part', sub, sets: [], deletes: ['k'] },
        { type: 'snapshot-part', sub, sets: [['k', wire({ v: 1 })]], deletes: [] },
      ],
    ],
  ];
  for (const mode of ['reset', 'resume'] as const) {
    for (const [name, parts] of cases) {
      it(`I11: a ${mode} snapshot with ${name} is void and resynced`, () => {
        const harness = live();
        const { socket, sub, prices, client } = harness;
        const before = prices.getSnapshot();
        socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode });
        for (const part of parts(sub)) {
          if (typeof part === 'string') socket.receiveRaw(part);
          else socket.receive(part);
        }
        socket.receive({ type: 'snapshot-end', sub, position: at(5), status: 'caught_up' });
        expectResynced(harness, /names a key its snapshot named already \(I11\)/, before);
        expect(prices.position).toEqual(at(1));
        client.close();
      });
    }
  }

  it('I11: a delta naming a key twice is refused for every table handle it reaches', () => {
    const harness = live();
    const { socket, prices, client } = harness;
    const before = prices.getSnapshot();
    socket.receive({
      type: 'delta',
      table: 'prices',
      sets: [['a', wire(5)]],
      deletes: ['a'],
      position: at(2),
    });
    expectResynced(harness, /names key "a" twice \(I11\)/, before);
    client.close();
  });

  it('I11: a snapshot naming each key once, deletes of keys it did not send included, applies', () => {
    const { socket, sub, prices, errors, client } = live();
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
    socket.receive({
      type: 'snapshot-part',
      sub,
      sets: [['c', wire({ v: 3 })]],
      deletes: ['gone'],
    });
    socket.receive({ type: 'snapshot-part', sub, sets: [['d', wire(4)]], deletes: [] });
    socket.receive({ type: 'snapshot-end', sub, position: at(5), status: 'caught_up' });
    expect(Object.fromEntries(prices)).toEqual({ c: { v: 3 }, d: 4 });
    expect(errors).toEqual([]);
    client.close();
  });
});

describe('a filtered subscription gets the keys of its filter alone', () => {
  it('a snapshot part with a key outside the filter is refused, nothing of it shown', () => {
    const harness = live({ keys: ['a'] });
    const { socket, sub, prices, client } = harness;
    const before = prices.getSnapshot();
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
    socket.receive({
      type: 'snapshot-part',
      sub,
      sets: [
        ['a', wire({ v: 2 })],
        ['secret', wire({ v: 9 })],
      ],
      deletes: [],
    });
    socket.receive({ type: 'snapshot-end', sub, position: at(5), status: 'caught_up' });
    expectResynced(harness, /names key "secret", outside its filter/, before);
    expect(prices.has('secret')).toBe(false);
    client.close();
  });

  it('the same through the full parser, and for a delete', () => {
    const harness = live({ keys: ['a'] });
    const { socket, sub, prices, client } = harness;
    const before = prices.getSnapshot();
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'resume' });
    socket.receiveRaw(parsedPart(sub, [], ['other']));
    expectResynced(harness, /names key "other", outside its filter/, before);
    client.close();
  });

  it('a delta to the sub with a key outside the filter is refused', () => {
    const harness = live({ keys: ['a'] });
    const { socket, sub, prices, client } = harness;
    const before = prices.getSnapshot();
    socket.receive(delta({ a: 3, secret: 1 }, at(2), { sub }));
    expectResynced(harness, /names key "secret", outside its filter/, before);
    client.close();
  });

  it('keys inside the filter apply', () => {
    const { socket, sub, prices, errors, client } = live({ keys: ['a'] });
    socket.receive(delta({ a: 3 }, at(2), { sub }));
    expect(prices.get('a')).toBe(3);
    expect(errors).toEqual([]);
    client.close();
  });
});
