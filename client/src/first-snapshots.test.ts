import { describe, expect, it, vi } from 'vitest';
import { ChunkedMap } from './chunked-map.js';
import type { SnapshotBody, SnapshotRequest, SnapshotSource } from './snapshot-source.js';
import { fakeTimeAndSockets } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';
import { at } from './test/live-store.js';
import { bootstrapOf, setup, snapshot, subscribes } from './test/no-flicker-harness.js';

fakeTimeAndSockets();

/** A snapshot source the test settles by hand, recording what it was asked. */
function manualSource() {
  const requests: Array<{
    readonly request: SnapshotRequest;
    resolve(body: SnapshotBody<unknown>): void;
    reject(error: Error): void;
  }> = [];
  const source: SnapshotSource = (request) =>
    new Promise((resolve, reject) => {
      requests.push({ request, resolve, reject });
    });
  return { source, requests };
}

function body(entries: Record<string, unknown>, offset: number, status = 'caught_up' as const) {
  return { map: ChunkedMap.from(Object.entries(entries)), position: at(offset), status };
}

describe('a first snapshot from a snapshotSource', () => {
  it('holds the subscribe until it lands, then resumes from its position over the socket', async () => {
    const { source, requests } = manualSource();
    const { client, errors } = setup({ snapshotSource: source, token: () => 'tok' });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    // The socket is open, but the table waits for its snapshot from the source.
    expect(subscribes(socket)).toEqual([]);
    expect(prices.status).toBe('loading');
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    const [{ request, resolve }] = requests as [(typeof requests)[0]];
    expect(request.table).toBe('prices');
    expect(request.target).toEqual(['ws://bridge.test/tables', 'tok', undefined]);
    // Held to the socket's frame limit, line by line.
    expect(request.maxMessageBytes).toBe(64 * 1024 * 1024);
    resolve(body({ a: 1, b: 2 }, 7));
    await vi.waitFor(() => expect(subscribes(socket)).toHaveLength(1));
    expect(subscribes(socket)[0]).toMatchObject({ table: 'prices', position: at(7) });
    // The source's snapshot was taken caught up, so the table is: the resume only adds to it.
    expect(Object.fromEntries(prices)).toEqual({ a: 1, b: 2 });
    expect(prices.status).toBe('caught_up');
    snapshot(socket, { c: 3 }, at(9), { mode: 'resume', deletes: ['a'] });
    expect(Object.fromEntries(prices)).toEqual({ b: 2, c: 3 });
    expect(prices.position).toEqual(at(9));
    expect(errors).toEqual([]);
    client.close();
  });

  it('stays loading after a snapshot the bridge took while loading', async () => {
    const { source, requests } = manualSource();
    const { client } = setup({ snapshotSource: source });
    const prices = client.table('prices');
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    requests[0]!.resolve(body({ a: 1 }, 3, 'loading' as 'caught_up'));
    await vi.waitFor(() => expect(prices.get('a')).toBe(1));
    expect(prices.status).toBe('loading');
    client.close();
  });

  it('falls back to the socket on a failure, reports it once, and stops asking the source', async () => {
    const { source, requests } = manualSource();
    const { client, errors } = setup({ snapshotSource: source });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    requests[0]!.reject(new Error('GET answered HTTP 404'));
    await vi.waitFor(() => expect(subscribes(socket)).toHaveLength(1));
    // No position: a whole snapshot over the socket, as without a source.
    expect(subscribes(socket)[0]).not.toHaveProperty('position');
    expect(errors.map((e) => [e.code, e.table])).toEqual([['HTTP_SNAPSHOT', 'prices']]);
    expect(errors[0]!.message).toContain('HTTP 404');
    snapshot(socket, { a: 1 }, at(4));
    expect(prices.status).toBe('caught_up');
    // A later table goes straight to the socket.
    client.table('prices', { keys: ['a'] });
    client.table('other');
    expect(requests).toHaveLength(1);
    expect(subscribes(socket).map((s) => s.table)).toEqual(['prices', 'prices', 'other']);
    expect(errors).toHaveLength(1);
    client.close();
  });

  it('checks what a source resolves, and falls back on a malformed snapshot', async () => {
    const { client, errors } = setup({
      snapshotSource: async () =>
        ({
          map: new Map(),
          position: { topicId: 't', offsets: [-1] },
          status: 'caught_up',
        }) as never,
    });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    await vi.waitFor(() => expect(subscribes(socket)).toHaveLength(1));
    expect(subscribes(socket)[0]).not.toHaveProperty('position');
    expect(prices.position).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['HTTP_SNAPSHOT']);
    expect(errors[0]!.message).toContain('snapshot.position.offsets[0]');
    client.close();
  });

  it('gives up on a source silent for welcomeTimeoutMs, and aborts it', async () => {
    const { source, requests } = manualSource();
    const { client, errors } = setup({ snapshotSource: source, welcomeTimeoutMs: 1_000 });
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    const { signal, progress } = requests[0]!.request;
    // Progress pushes the bound back (waitFor moved the fake clock: start from a progress).
    progress();
    await vi.advanceTimersByTimeAsync(900);
    expect(signal.aborted).toBe(false);
    progress();
    await vi.advanceTimersByTimeAsync(900);
    expect(signal.aborted).toBe(false);
    expect(subscribes(socket)).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(signal.aborted).toBe(true);
    requests[0]!.reject(new Error('aborted'));
    await vi.waitFor(() => expect(subscribes(socket)).toHaveLength(1));
    expect(errors.map((e) => e.code)).toEqual(['HTTP_SNAPSHOT']);
    expect(errors[0]!.message).toContain('nothing for 1000 ms');
    client.close();
  });

  it('aborts a load quietly when the handle is released or the client closes, and clears its timer', async () => {
    const { source, requests } = manualSource();
    const { client, errors } = setup({ snapshotSource: source });
    const prices = client.table('prices');
    client.table('other');
    await vi.waitFor(() => expect(requests).toHaveLength(2));
    prices.close();
    expect(requests[0]!.request.signal.aborted).toBe(true);
    requests[0]!.reject(new Error('aborted'));
    client.close();
    expect(requests[1]!.request.signal.aborted).toBe(true);
    requests[1]!.resolve(body({ a: 1 }, 1));
    await vi.runAllTimersAsync();
    expect(vi.getTimerCount()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('leaves no timer behind when the client closes under a source that never settles', async () => {
    const { client } = setup({ snapshotSource: () => new Promise(() => {}) });
    client.table('prices');
    await vi.advanceTimersByTimeAsync(1);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    client.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is not used for a filtered handle, or one painted from a bootstrap', async () => {
    const { source, requests } = manualSource();
    const { client } = setup({ snapshotSource: source });
    client.table('prices', { keys: ['a'] });
    client.table('other', { bootstrap: { ...bootstrapOf({ a: 1 }, at(1)), table: 'other' } });
    const socket = FakeWebSocket.last;
    socket.open();
    expect(subscribes(socket)).toHaveLength(2);
    await vi.runAllTimersAsync();
    expect(requests).toEqual([]);
    client.close();
  });

  it('gives way to a bootstrap that arrives while it loads', async () => {
    const { source, requests } = manualSource();
    const { client } = setup({ snapshotSource: source });
    const prices = client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    client.table('prices', { bootstrap: bootstrapOf({ a: 1 }, at(5)) });
    expect(requests[0]!.request.signal.aborted).toBe(true);
    expect(subscribes(socket)).toEqual([
      expect.objectContaining({ table: 'prices', position: at(5) }),
    ]);
    // A source that answers anyway changes nothing.
    requests[0]!.resolve(body({ z: 26 }, 9));
    await vi.runAllTimersAsync();
    expect(Object.fromEntries(prices)).toEqual({ a: 1 });
    client.close();
  });
});
