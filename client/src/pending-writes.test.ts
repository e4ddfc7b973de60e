import { describe, expect, it, vi } from 'vitest';
import type { WriteMessage } from '../../shared/src/protocol/messages.js';
import { toWireValue } from '../../shared/src/protocol/wire-value.js';
import { TablecastClientError } from './errors.js';
import { PendingWrites } from './pending-writes.js';

function setup(open = true) {
  const sent: WriteMessage[] = [];
  const socket = { open };
  let n = 0;
  const writes = new PendingWrites({
    send: (m) => {
      if (!socket.open) return false;
      sent.push(m);
      return true;
    },
    setTimeout: (cb, ms) => setTimeout(cb, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    newId: () => `w${++n}`,
  });
  return { writes, sent, socket };
}

describe('pending writes', () => {
  it('resolves with where the write landed and rejects with the bridge code', async () => {
    const { writes, sent } = setup();
    const set = writes.submit('flags', 'a', toWireValue(true), 5_000);
    const del = writes.submit('flags', 'b', undefined, 5_000);
    expect(sent).toEqual([
      { type: 'write', id: 'w1', table: 'flags', key: 'a', value: [true] },
      { type: 'write', id: 'w2', table: 'flags', key: 'b', delete: true },
    ]);
    writes.settle({
      type: 'write-result',
      id: 'w1',
      ok: true,
      topicId: 't',
      partition: 1,
      offset: 9,
    });
    writes.settle({ type: 'write-result', id: 'w2', ok: false, code: 'FORBIDDEN', message: 'no' });
    expect(await set).toEqual({ topicId: 't', partition: 1, offset: 9 });
    await expect(del).rejects.toMatchObject({ code: 'FORBIDDEN', table: 'flags' });
    expect(writes.size).toBe(0);
  });

  it('sends a write made while disconnected, and resends an unanswered one with the same id after a reconnect', () => {
    const { writes, sent, socket } = setup(false);
    void writes.submit('flags', 'a', toWireValue(1), 5_000);
    expect(sent).toEqual([]);
    socket.open = true;
    writes.opened();
    void writes.submit('flags', 'b', toWireValue(2), 5_000);
    expect(sent.map((m) => m.id)).toEqual(['w1', 'w2']);
    // The socket is lost before any answer: both go again, same ids, once each.
    writes.opened();
    expect(sent.map((m) => m.id)).toEqual(['w1', 'w2', 'w1', 'w2']);
  });

  it('times out without hanging and ignores a late answer', async () => {
    vi.useFakeTimers();
    try {
      const { writes } = setup();
      const write = writes.submit('flags', 'a', toWireValue(1), 1_000);
      const outcome = expect(write).rejects.toMatchObject({ code: 'TIMEOUT' });
      vi.advanceTimersByTime(1_000);
      await outcome;
      writes.settle({
        type: 'write-result',
        id: 'w1',
        ok: true,
        topicId: 't',
        partition: 0,
        offset: 1,
      });
      expect(writes.size).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails every pending write when the client closes', async () => {
    const { writes } = setup();
    const write = writes.submit('flags', 'a', toWireValue(1), 5_000);
    writes.failAll(new TablecastClientError('CLOSED', 'closed'));
    await expect(write).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
