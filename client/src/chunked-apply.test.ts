import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toWireValue } from '../../shared/src/protocol/index.js';
import { FRAME_BUDGET_CHARS } from './frame-pump.js';
import { at, lastSub, setup, snapshot } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

const PAD = 'x'.repeat(100);
const PART_KEYS = 3_000;

/** A snapshot part bigger than the frame budget: each is handled in a task of its own. */
function bigPart(socket: FakeWebSocket, sub: string, part: number) {
  const sets = Array.from({ length: PART_KEYS }, (_, i) => {
    const key = `k${part * PART_KEYS + i}`;
    return [key, toWireValue({ key, pad: PAD })] as const;
  });
  socket.receive({ type: 'snapshot-part', sub, sets, deletes: [] });
}

/** A live handle holding `{ old: 1 }` at offset 1, and the socket it came on. */
function liveOld() {
  const { client, errors } = setup();
  const handle = client.table('prices');
  const socket = FakeWebSocket.last;
  socket.open();
  snapshot(socket, lastSub(socket), { old: 1 }, at(1));
  expect(handle.status).toBe('caught_up');
  const oldMap = handle.getSnapshot();
  let batches = 0;
  handle.subscribe(() => batches++);
  return { client, errors, handle, socket, oldMap, batches: () => batches };
}

describe('chunked apply of a big snapshot (I1)', () => {
  it('I1: parts are applied across several tasks and the map stays the old one until snapshot-end', () => {
    expect(JSON.stringify(PAD).length * PART_KEYS).toBeGreaterThan(FRAME_BUDGET_CHARS);
    const { client, errors, handle, socket, oldMap, batches } = liveOld();
    const sub = lastSub(socket);
    // A browser may dispatch every frame its pipe holds in one task: here, all of them.
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
    for (let part = 0; part < 4; part++) bigPart(socket, sub, part);
    socket.receive({ type: 'snapshot-end', sub, position: at(9), status: 'caught_up' });
    let tasks = 0;
    while (handle.getSnapshot() === oldMap) {
      expect([...handle.getSnapshot()]).toEqual([['old', 1]]);
      expect(handle.get('k0')).toBeUndefined();
      expect(batches()).toBe(0);
      expect(handle.status).toBe('caught_up'); // a resnapshot does not flash `loading`
      expect(tasks).toBeLessThan(10);
      vi.advanceTimersToNextTimer();
      tasks++;
    }
    // One big part per task: the snapshot took several tasks, and appeared whole in the last.
    expect(tasks).toBeGreaterThanOrEqual(3);
    expect(handle.size).toBe(4 * PART_KEYS);
    expect(handle.has('old')).toBe(false);
    expect(handle.get('k11999')).toEqual({ key: 'k11999', pad: PAD });
    expect(handle.position).toEqual(at(9));
    expect(batches()).toBe(1);
    expect(errors).toEqual([]);
    client.close();
  });

  it('I1: a snapshot interrupted by a reconnect mid-way leaves the old map intact', () => {
    const { client, errors, handle, socket, oldMap, batches } = liveOld();
    const sub = lastSub(socket);
    socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' });
    for (let part = 0; part < 4; part++) bigPart(socket, sub, part);
    // Its end arrived too, but waits behind the parts when the socket drops.
    socket.receive({ type: 'snapshot-end', sub, position: at(9), status: 'caught_up' });
    vi.advanceTimersToNextTimer();
    socket.serverClose(1006);
    expect(handle.getSnapshot()).toBe(oldMap);
    expect(handle.status).toBe('degraded');
    // What the dead socket left queued is dropped, never applied.
    vi.advanceTimersToNextTimer();
    expect(handle.getSnapshot()).toBe(oldMap);
    while (FakeWebSocket.last === socket) vi.advanceTimersToNextTimer();
    const next = FakeWebSocket.last;
    next.open();
    expect(handle.getSnapshot()).toBe(oldMap);
    expect(batches()).toBe(0);
    snapshot(next, lastSub(next), { fresh: 2 }, at(10));
    expect([...handle.getSnapshot()]).toEqual([['fresh', 2]]);
    expect(handle.status).toBe('caught_up');
    expect(batches()).toBe(1);
    // The lost socket is reported; nothing it left behind is (no out-of-sequence frame).
    expect(errors.map((e) => e.code)).toEqual(['CONNECTION']);
    client.close();
  });

  it('tells key listeners of a reset only about their own keys that changed', () => {
    const { client, socket, handle } = liveOld();
    const heard: string[] = [];
    handle.subscribeKey('old', () => heard.push('old'));
    handle.subscribeKey('same', () => heard.push('same'));
    handle.subscribeKey('never', () => heard.push('never'));
    const sub = lastSub(socket);
    snapshot(socket, sub, { old: 1, same: 5 }, at(2));
    expect(heard).toEqual(['same']); // `old` kept its value (1), `never` is not in the table
    snapshot(socket, sub, { same: 5 }, at(3));
    expect(heard).toEqual(['same', 'old']);
    let batches = 0;
    handle.subscribe(() => batches++);
    snapshot(socket, sub, { same: 5 }, at(4));
    expect(batches).toBe(0); // nothing changed: nobody is told
    client.close();
  });
});
