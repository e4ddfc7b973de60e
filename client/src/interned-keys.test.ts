import { describe, expect, it, vi } from 'vitest';
import { snapshotPartFrame } from '../../server/src/bridge/wire-frames.js';
import type { KeyChange } from './key-change.js';
import { at, delta, fakeTimeAndSockets, lastSub, setup, snapshot } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';

// Chromium interns a string looked up in a Map or Set, even an empty one, and every full
// collection then walks the interned strings inside its pause: with a million interned keys that
// was 47–63 ms of each pause (docs/BENCHMARKS.md, "Initial load"). So the client never hands a
// table's keys to a Map or Set on the way into its map; these tests spy on both.

fakeTimeAndSockets();

const keys = Array.from({ length: 50 }, (_, i) => `key-${String(i).padStart(6, '0')}`);

/** The table's keys among what `run` handed to a Map or Set method. */
function keysLookedUp(run: () => void): string[] {
  const spies = (['has', 'add', 'get', 'set', 'delete'] as const).flatMap((method) => [
    ...(method in Set.prototype ? [vi.spyOn(Set.prototype, method as 'has')] : []),
    ...(method in Map.prototype ? [vi.spyOn(Map.prototype, method as 'has')] : []),
  ]);
  try {
    run();
    return spies
      .flatMap((spy) => spy.mock.calls.map(([key]) => key))
      .filter((key): key is string => keys.includes(key as string));
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** A live handle on 'prices' over a fresh socket, with a change and a per-key listener. */
function open() {
  const { client, errors } = setup();
  const handle = client.table<unknown>('prices');
  const socket = FakeWebSocket.last;
  socket.open();
  const changes: (readonly KeyChange<unknown>[])[] = [];
  const heard: string[] = [];
  handle.onChanges((batch) => changes.push(batch));
  handle.subscribeKey(keys[1]!, () => heard.push(keys[1]!));
  return { errors, handle, socket, sub: lastSub(socket), changes, heard };
}

describe('a table’s keys are never looked up in a Map or Set (Chromium would intern them)', () => {
  it('nor while a snapshot loads, with values kept as text', () => {
    const { handle, socket, sub, errors, heard } = open();
    const looked = keysLookedUp(() => {
      socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
      const sets = keys.map(
        (key, i) => [key, { text: i % 2 === 0 ? `{"n":${i}}` : String(i), plain: true }] as const,
      );
      socket.receiveRaw(snapshotPartFrame(sub, sets, []));
      socket.receive({ type: 'snapshot-end', sub, position: at(1), status: 'caught_up' });
    });
    expect(looked).toEqual([]);
    expect(handle.size).toBe(keys.length);
    expect(heard).toEqual([keys[1]]);
    expect(errors).toEqual([]);
  });

  it('nor when a delta brings new keys, changes and deletes others, with listeners on them', () => {
    const { handle, socket, sub, errors, changes, heard } = open();
    snapshot(socket, sub, Object.fromEntries(keys.slice(0, 10).map((key) => [key, 0])), at(1));
    const message = delta(
      Object.fromEntries(keys.slice(1, 30).map((key, i) => [key, i + 1])),
      at(2),
      {
        table: 'prices',
      },
    );
    const looked = keysLookedUp(() =>
      socket.receive({ ...message, deletes: [keys[0]!] } as typeof message),
    );
    expect(looked).toEqual([]);
    expect(handle.size).toBe(29);
    expect(changes.at(-1)).toHaveLength(30);
    expect(heard).toEqual([keys[1], keys[1]]);
    expect(errors).toEqual([]);
  });

  it('nor when a resume applies its parts', () => {
    const { handle, socket, sub, errors } = open();
    snapshot(socket, sub, { [keys[0]!]: 0 }, at(1));
    const looked = keysLookedUp(() =>
      snapshot(socket, sub, Object.fromEntries(keys.map((key, i) => [key, { i }])), at(2), {
        mode: 'resume',
      }),
    );
    expect(looked).toEqual([]);
    expect(handle.get(keys[7]!)).toEqual({ i: 7 });
    expect(errors).toEqual([]);
  });
});
