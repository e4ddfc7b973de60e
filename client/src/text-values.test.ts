import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { snapshotPartFrame } from '../../server/src/bridge/wire-frames.js';
import { toWireValue } from '../../shared/src/protocol/index.js';
import type { KeyChange } from './key-change.js';
import { superjsonValues } from './superjson-values.js';
import { at, delta, fakeTimeAndSockets, lastSub, setup, snapshot } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';
import { jsonValues } from './wire-values.js';

fakeTimeAndSockets();

/** A live handle on 'prices' over a fresh socket, before any snapshot. */
function open(overrides: Parameters<typeof setup>[0] = {}) {
  const { client, errors } = setup(overrides);
  const handle = client.table<unknown>('prices');
  const socket = FakeWebSocket.last;
  socket.open();
  return { client, errors, handle, socket, sub: lastSub(socket) };
}

/** A reset snapshot whose one part is the bridge's own frame of `entries` (values as text). */
function bridgeSnapshot(
  socket: FakeWebSocket,
  sub: string,
  entries: readonly (readonly [string, string])[],
  offset: number,
) {
  socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
  const sets = entries.map(([key, text]) => [key, { text, plain: true }] as const);
  socket.receiveRaw(snapshotPartFrame(sub, sets, []));
  socket.receive({ type: 'snapshot-end', sub, position: at(offset), status: 'caught_up' });
}

describe('snapshot values kept as text until read', () => {
  it('an object is parsed once: every reader, before and after later batches, gets the same one', () => {
    const { handle, socket, sub, errors } = open();
    const changes: (readonly KeyChange<unknown>[])[] = [];
    handle.onChanges((batch) => changes.push(batch));
    snapshot(socket, sub, { a: { deep: [1, { x: 'y' }] }, b: [1, 2], n: 7, s: 'text' }, at(1));
    const a = handle.get('a');
    expect(a).toEqual({ deep: [1, { x: 'y' }] });
    expect(handle.get('a')).toBe(a);
    expect(handle.getSnapshot().get('a')).toBe(a);
    expect([...handle.values()][0]).toBe(a);
    expect(changes[0]!.find((change) => change.key === 'a')).toEqual({
      key: 'a',
      deleted: false,
      value: a,
    });
    expect(handle.get('n')).toBe(7);
    expect(handle.get('s')).toBe('text');
    const before = handle.getSnapshot();
    // A delta to another key copies the chunk holding 'a': still the same object from both maps.
    socket.receive(delta({ b: [3] }, at(2), { table: 'prices' }));
    expect(handle.getSnapshot()).not.toBe(before);
    expect(handle.get('a')).toBe(a);
    expect(before.get('b')).toEqual([1, 2]);
    expect(handle.get('b')).toEqual([3]);
    expect(errors).toEqual([]);
  });

  it('parses neither the part nor its objects while the snapshot loads; an object when first read', () => {
    const { handle, socket, sub } = open();
    const parse = vi.spyOn(JSON, 'parse');
    try {
      snapshot(socket, sub, { a: { v: 1 }, b: [2], n: 3 }, at(1));
      const parsedTexts = () => parse.mock.calls.map(([text]) => text);
      expect(parsedTexts().filter((text) => text.includes('snapshot-part'))).toEqual([]);
      expect(
        parsedTexts().filter((text) => text.startsWith('{"v"') || text.startsWith('[2')),
      ).toEqual([]);
      expect(handle.size).toBe(3);
      expect(handle.get('a')).toEqual({ v: 1 });
      handle.get('a');
      expect(parsedTexts().filter((text) => text.startsWith('{"v"'))).toEqual(['{"v":1}']);
    } finally {
      parse.mockRestore();
    }
  });

  it('reads the bridge’s frames (values spliced as producers wrote them) as the parser does', () => {
    const entry = fc.tuple(
      fc.string(),
      fc
        .jsonValue({ maxDepth: 3 })
        .chain((value) =>
          fc.constantFrom(JSON.stringify(value), ` ${JSON.stringify(value, null, 2)}\n`),
        ),
    );
    fc.assert(
      fc.property(fc.uniqueArray(entry, { maxLength: 12, selector: ([key]) => key }), (entries) => {
        FakeWebSocket.reset();
        const lazy = open();
        bridgeSnapshot(lazy.socket, lazy.sub, entries, 1);
        // The same frames through the parser: a codec that does not vouch for plain values.
        const parsed = open({ wireValues: { ...jsonValues, plainAsIs: false } });
        bridgeSnapshot(parsed.socket, parsed.sub, entries, 1);
        expect(lazy.handle.status).toBe('caught_up');
        expect([...lazy.handle.entries()]).toEqual([...parsed.handle.entries()]);
        expect([...lazy.handle.entries()]).toEqual([
          ...new Map(entries.map(([k, t]) => [k, JSON.parse(t)])),
        ]);
        expect(lazy.errors).toEqual([]);
        lazy.client.close();
        parsed.client.close();
      }),
      { numRuns: 200 },
    );
  });

  it('a resume applies its parts’ values to the map, parsed', () => {
    const { handle, socket, sub } = open();
    snapshot(socket, sub, { a: { v: 1 }, b: { v: 2 } }, at(1));
    const b = handle.get('b');
    socket.serverClose();
    vi.advanceTimersByTime(1_000);
    const next = FakeWebSocket.last;
    expect(next).not.toBe(socket);
    next.open();
    snapshot(next, lastSub(next), { a: { v: 10 }, c: [3] }, at(5), { mode: 'resume' });
    expect(handle.get('a')).toEqual({ v: 10 });
    expect(handle.get('b')).toBe(b);
    expect(handle.get('c')).toEqual([3]);
    expect(handle.status).toBe('caught_up');
  });

  it('with superjson, a part with meta goes through the parser and decoder; plain ones stay text', () => {
    const { handle, socket, sub, errors } = open({ wireValues: superjsonValues });
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
    socket.receive({
      type: 'snapshot-part',
      sub,
      sets: [
        ['when', toWireValue(new Date(0))],
        ['plain', toWireValue({ x: 1 })],
      ],
      deletes: [],
    });
    socket.receive({
      type: 'snapshot-part',
      sub,
      sets: [['more', toWireValue({ y: 2 })]],
      deletes: [],
    });
    socket.receive({ type: 'snapshot-end', sub, position: at(1), status: 'caught_up' });
    expect(handle.get('when')).toEqual(new Date(0));
    expect(handle.get('plain')).toEqual({ x: 1 });
    expect(handle.get('more')).toBe(handle.get('more'));
    expect(handle.get('more')).toEqual({ y: 2 });
    expect(errors).toEqual([]);
  });

  it('a number set by a delta into a map of rows stays a number', () => {
    const { handle, socket, sub } = open();
    snapshot(socket, sub, { a: { v: 1 }, n: 1 }, at(1));
    socket.receive(delta({ a: 0, n: 2.5 }, at(2), { table: 'prices' }));
    expect(handle.get('a')).toBe(0);
    expect(handle.get('n')).toBe(2.5);
    expect([...handle.values()]).toEqual([0, 2.5]);
  });
});
