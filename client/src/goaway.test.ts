import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { at, delta, lastSub, sentOf, setup, snapshot } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';

// docs/PROTOCOL.md §11. The harness's random() is 0.5, so the first jitter is half of the
// initial backoff window (250 ms): 125 ms, then 250, 500... as goaways repeat.
beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A client with one caught-up table `prices` at offset 1 on its first socket. */
function live() {
  const harness = setup();
  const prices = harness.client.table<number>('prices');
  const socket = FakeWebSocket.last;
  socket.open();
  snapshot(socket, lastSub(socket), { a: 1 }, at(1));
  return { ...harness, prices, socket };
}

describe('goaway (§11)', () => {
  it('keeps the old socket serving until the new one is welcomed, then switches (make-before-break)', () => {
    const { client, prices, socket, errors } = live();
    const statuses: string[] = [];
    prices.onStatus((status) => statuses.push(status));
    socket.receive({ type: 'goaway', reason: 'shedding load', retryAfterMs: 2_000 });
    expect(errors.map((error) => error.code)).toEqual(['CONNECTION']);
    expect(socket.closed).toBe(false);
    expect(client.connection).toBe('open');

    vi.advanceTimersByTime(2_124);
    expect(FakeWebSocket.instances).toHaveLength(1);
    // The old socket still delivers while the replacement is on its way.
    socket.receive(delta({ b: 2 }, at(2), { table: 'prices' }));
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    const next = FakeWebSocket.last;

    next.open({ welcome: false });
    expect(socket.closed).toBe(false);
    expect(sentOf(next, 'subscribe')).toEqual([]);
    socket.receive(delta({ c: 3 }, at(3), { table: 'prices' }));

    next.receive({ type: 'welcome', version: 1, bridge: 'replica-2' });
    expect(socket.closeCalls).toEqual([{ code: 1000, reason: 'replaced after goaway' }]);
    expect(sentOf(next, 'subscribe')).toEqual([
      { type: 'subscribe', sub: expect.any(String), table: 'prices', position: at(3) },
    ]);
    expect(Object.fromEntries(prices)).toEqual({ a: 1, b: 2, c: 3 });
    snapshot(next, lastSub(next), { d: 4 }, at(4), { mode: 'resume' });
    expect(Object.fromEntries(prices)).toEqual({ a: 1, b: 2, c: 3, d: 4 });
    // The application saw no gap: no loading or degraded spell during the switch.
    expect(statuses).toEqual([]);
    expect(prices.status).toBe('caught_up');
    expect(client.connection).toBe('open');
    client.close();
  });

  it('clamps retryAfterMs to [250 ms, 60 s] before the jitter', () => {
    const first = live();
    first.socket.receive({ type: 'goaway', reason: 'bye', retryAfterMs: 0 });
    vi.advanceTimersByTime(374);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    first.client.close();

    FakeWebSocket.reset();
    const second = live();
    second.socket.receive({ type: 'goaway', reason: 'bye', retryAfterMs: 3_600_000 });
    vi.advanceTimersByTime(60_124);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    second.client.close();
  });

  it('backs off on repeated goaways like on failures', () => {
    const { client } = live();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const socket = FakeWebSocket.last;
      const count = FakeWebSocket.instances.length;
      socket.receive({ type: 'goaway', reason: 'bye', retryAfterMs: 0 });
      let waited = 0;
      while (FakeWebSocket.instances.length === count) {
        vi.advanceTimersByTime(1);
        waited += 1;
      }
      delays.push(waited);
      FakeWebSocket.last.open();
    }
    expect(delays).toEqual([250 + 125, 250 + 250, 250 + 500]);
    client.close();
  });

  it('ignores a second goaway on a socket that is already being replaced', () => {
    const { client, socket } = live();
    socket.receive({ type: 'goaway', reason: 'bye', retryAfterMs: 1_000 });
    socket.receive({ type: 'goaway', reason: 'bye again', retryAfterMs: 0 });
    vi.advanceTimersByTime(1_124);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    client.close();
  });

  it('when the old socket closes first (bridge shutdown), the scheduled replacement is the reconnect', () => {
    const { client, prices, socket } = live();
    socket.receive({ type: 'goaway', reason: 'shutting down', retryAfterMs: 0 });
    socket.serverClose(1001, 'shutting down');
    expect(client.connection).toBe('reconnecting');
    expect(prices.status).toBe('degraded');
    vi.advanceTimersByTime(375);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.open();
    expect(sentOf(FakeWebSocket.last, 'subscribe')).toEqual([
      expect.objectContaining({ table: 'prices', position: at(1) }),
    ]);
    expect(client.connection).toBe('open');
    // Exactly one replacement: no second reconnect was scheduled by the close.
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    client.close();
  });

  it('a replacement that fails leaves the old socket serving and is retried with backoff', () => {
    const { client, prices, socket } = live();
    socket.receive({ type: 'goaway', reason: 'bye', retryAfterMs: 0 });
    vi.advanceTimersByTime(375);
    FakeWebSocket.last.serverClose(1006);
    expect(client.connection).toBe('open');
    expect(prices.status).toBe('caught_up');
    vi.advanceTimersByTime(250); // second backoff delay: window 500, jitter 0.5
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last.open();
    expect(socket.closed).toBe(true);
    client.close();
  });
});
