import { describe, expect, it, vi } from 'vitest';
import { cacheKey } from './cache-entry.js';
import { memoryCache } from './table-cache.js';
import { fakeTimeAndSockets, lastSub } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';
import { at } from './test/live-store.js';
import { fakeVisibility, setup, snapshot, subscribes } from './test/no-flicker-harness.js';

fakeTimeAndSockets();

describe('pause when hidden', () => {
  it('unsubscribes after the grace period and resumes from the positions when visible', () => {
    const visibility = fakeVisibility();
    const { client } = setup({ visibility, hiddenGraceMs: 5_000 });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    const sub = lastSub(socket);
    snapshot(socket, { a: 1 }, at(4));
    visibility.set(true);
    vi.advanceTimersByTime(4_999);
    expect(socket.messages.filter((m) => m.type === 'unsubscribe')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(socket.messages.filter((m) => m.type === 'unsubscribe')).toEqual([
      { type: 'unsubscribe', sub },
    ]);
    expect(prices.get('a')).toBe(1);
    expect(prices.status).toBe('degraded');
    expect(prices.statusReason).toBe('paused while the page is hidden');
    // Deltas of the old subscription that were already in flight are dropped.
    socket.receive({
      type: 'delta',
      table: 'prices',
      sets: [['a', [9]]],
      deletes: [],
      position: at(5),
    });
    expect(prices.get('a')).toBe(1);
    // The socket stays open: coming back is one subscribe, not a new connection.
    expect(socket.closed).toBe(false);
    // Tables opened while paused wait too.
    client.table('users');
    expect(subscribes(socket)).toHaveLength(1);
    visibility.set(false);
    expect(subscribes(socket).slice(1)).toEqual([
      { type: 'subscribe', sub: expect.any(String), table: 'prices', position: at(4) },
      { type: 'subscribe', sub: expect.any(String), table: 'users' },
    ]);
    expect(prices.status).toBe('loading');
    client.close();
    expect(visibility.listeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not pause for a short hide, and saves the cache on hide', () => {
    const visibility = fakeVisibility();
    const cache = memoryCache();
    const { client } = setup({ visibility, cache, cacheSaveIntervalMs: 60_000 });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    snapshot(socket, { a: 1 }, at(4));
    visibility.set(true);
    expect(cache.entries.get(cacheKey('prices', undefined))).toMatchObject({ position: at(4) });
    vi.advanceTimersByTime(3_000);
    visibility.set(false);
    vi.advanceTimersByTime(10_000);
    expect(socket.messages.filter((m) => m.type === 'unsubscribe')).toHaveLength(0);
    expect(prices.status).toBe('caught_up');
    client.close();
  });

  it('does not resubscribe on reconnect while paused', () => {
    const visibility = fakeVisibility(true);
    const { client } = setup({ visibility, hiddenGraceMs: 100 });
    client.table('prices');
    FakeWebSocket.last.open();
    vi.advanceTimersByTime(100);
    FakeWebSocket.last.serverClose(1006);
    vi.advanceTimersByTime(125);
    const second = FakeWebSocket.last;
    second.open();
    expect(subscribes(second)).toHaveLength(0);
    visibility.set(false);
    expect(subscribes(second)).toHaveLength(1);
    client.close();
  });

  it('is off without a visibility source, or when disabled', () => {
    const visibility = fakeVisibility();
    const { client } = setup({ visibility, pauseWhenHidden: false });
    client.table('prices');
    FakeWebSocket.last.open();
    visibility.set(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.last.messages.filter((m) => m.type === 'unsubscribe')).toHaveLength(0);
    // Not needed for anything: not even listened to.
    expect(visibility.listeners).toBe(0);
    client.close();
  });

  it('uses document.visibilityState by default', () => {
    const listeners = new Set<() => void>();
    const doc = {
      visibilityState: 'visible',
      addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
      removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
    };
    vi.stubGlobal('document', doc);
    try {
      const { client } = setup();
      client.table('prices');
      FakeWebSocket.last.open();
      expect(listeners.size).toBe(1);
      doc.visibilityState = 'hidden';
      for (const listener of listeners) listener();
      vi.advanceTimersByTime(5_000);
      expect(FakeWebSocket.last.messages.filter((m) => m.type === 'unsubscribe')).toHaveLength(1);
      client.close();
      expect(listeners.size).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
