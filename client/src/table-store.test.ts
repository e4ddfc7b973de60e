import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TablecastClientError } from './errors.js';
import { TableStore } from './table-store.js';
import { at } from './test/live-store.js';

function liveStore(entries: [string, number][] = [], position = at(5)) {
  const store = new TableStore<number>({ name: 'prices' });
  store.startSubscription();
  store.snapshotBegin('reset');
  store.snapshotPart(entries, []);
  store.snapshotEnd(position, 'caught_up');
  return store;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('TableStore snapshots', () => {
  it('I1: keeps a resume snapshot after an empty reset invisible until its end, then notifies', () => {
    const store = liveStore([], at(0));
    let notified = 0;
    store.subscribe(() => notified++);
    store.startSubscription();
    store.snapshotBegin('resume');
    store.snapshotPart([['a', 1]], []);
    expect(store.has('a')).toBe(false);
    store.snapshotEnd(at(1), 'caught_up');
    expect(store.get('a')).toBe(1);
    expect(notified).toBe(1);
  });

  it('I1: applies a reset snapshot atomically: listeners see the whole map once', () => {
    const store = new TableStore<number>();
    const seen: ReadonlyMap<string, number>[] = [];
    store.subscribe(() => seen.push(store.getSnapshot()));
    store.startSubscription();
    store.snapshotBegin('reset');
    store.snapshotPart([['a', 1]], []);
    expect(store.size).toBe(0);
    store.snapshotPart([['b', 2]], []);
    expect(store.get('a')).toBeUndefined();
    store.snapshotEnd(at(2), 'caught_up');
    expect(seen).toHaveLength(1);
    expect([...seen[0]!]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(store.position).toEqual(at(2));
  });

  it('I1: keeps the old map visible during a reset resync, then replaces it', () => {
    const store = liveStore([
      ['a', 1],
      ['b', 2],
    ]);
    const changes: unknown[] = [];
    store.onChanges((batch) => changes.push(batch));
    store.requireReset();
    store.startSubscription();
    store.snapshotBegin('reset');
    store.snapshotPart([['c', 3]], []);
    expect([...store.keys()]).toEqual(['a', 'b']);
    store.snapshotEnd(at(9), 'caught_up');
    expect([...store.entries()]).toEqual([['c', 3]]);
    expect(changes).toEqual([
      [
        { key: 'a', deleted: true },
        { key: 'b', deleted: true },
        { key: 'c', deleted: false, value: 3 },
      ],
    ]);
  });

  it('applies a resume snapshot as sets and deletes on top of the map', () => {
    const store = liveStore([
      ['a', 1],
      ['b', 2],
    ]);
    store.startSubscription();
    store.snapshotBegin('resume');
    store.snapshotPart([['c', 3]], ['a']);
    store.snapshotPart([['b', 20]], []);
    expect(store.get('a')).toBe(1);
    expect(store.snapshotEnd(at(8), 'caught_up')).toBe('applied');
    expect(Object.fromEntries(store)).toEqual({ b: 20, c: 3 });
  });

  it('accepts a reset from a recreated topic even though its offsets are lower', () => {
    const store = liveStore([['a', 1]], at(100));
    store.startSubscription();
    store.snapshotBegin('reset');
    store.snapshotPart([['z', 1]], []);
    expect(store.snapshotEnd({ topicId: 't2', offsets: [1] }, 'caught_up')).toBe('applied');
    expect([...store.keys()]).toEqual(['z']);
    expect(store.position?.topicId).toBe('t2');
  });

  it('I3: ignores a snapshot behind its own position on the same topic, keeping its newer map', () => {
    const store = liveStore([['a', 1]], at(100));
    store.startSubscription();
    store.snapshotBegin('reset');
    store.snapshotPart([['old', 1]], []);
    expect(store.snapshotEnd(at(50), 'caught_up')).toBe('ignored');
    expect([...store.keys()]).toEqual(['a']);
    expect(store.position).toEqual(at(100));
    // Deltas that pass the store's position apply on top of its map.
    expect(store.delta([['b', 2]], [], at(101))).toBe('applied');
    expect(store.get('b')).toBe(2);
  });

  it('takes a resume snapshot on a live subscription, and a restarted one, staying caught up', () => {
    const store = liveStore(
      [
        ['a', 1],
        ['b', 1],
      ],
      at(10),
    );
    store.startSubscription();
    store.snapshotBegin('reset');
    store.snapshotEnd(at(10), 'caught_up');
    expect(store.status).toBe('caught_up');
    expect(store.snapshotBegin('resume')).toBe('applied');
    store.snapshotPart([['stale', 1]], []);
    // Begun again before its end: the interrupted parts are dropped.
    expect(store.snapshotBegin('resume')).toBe('applied');
    expect(store.status).toBe('caught_up');
    store.snapshotPart([['a', 2]], ['b']);
    expect(store.snapshotEnd(at(20), 'caught_up')).toBe('applied');
    expect(Object.fromEntries(store.entries())).toEqual({ a: 2 });
    expect(store.position).toEqual(at(20));
  });

  it('asks for a resync when parts arrive without a snapshot-begin', () => {
    const store = new TableStore<number>();
    store.startSubscription();
    expect(store.snapshotPart([['a', 1]], [])).toBe('resync');
  });
});

describe('TableStore deltas', () => {
  it('I6: ignores deltas before snapshot-end', () => {
    const store = new TableStore<number>();
    store.startSubscription();
    expect(store.delta([['a', 1]], [], at(1))).toBe('ignored');
    store.snapshotBegin('reset');
    expect(store.delta([['a', 1]], [], at(1))).toBe('ignored');
    store.snapshotEnd(at(0), 'caught_up');
    expect(store.has('a')).toBe(false);
  });

  it('I2: applies deltas in order as one batch each', () => {
    const store = liveStore([['a', 1]]);
    const listener = vi.fn();
    store.subscribe(listener);
    store.delta(
      [
        ['b', 2],
        ['c', 3],
      ],
      ['a'],
      at(6),
    );
    expect(listener).toHaveBeenCalledTimes(1);
    expect(Object.fromEntries(store)).toEqual({ b: 2, c: 3 });
    expect(store.position).toEqual(at(6));
  });

  it('I5: ignores a delta behind the current position (a lagging bridge)', () => {
    const store = liveStore([['a', 1]], at(5, 5));
    expect(store.delta([['a', 99]], [], at(5, 4))).toBe('ignored');
    expect(store.get('a')).toBe(1);
    expect(store.position).toEqual(at(5, 5));
  });

  it('I5: resyncs on a delta ahead in one partition and behind in another, applying nothing', () => {
    const store = liveStore([['a', 1]], at(5, 5));
    expect(store.delta([['a', 99]], [], at(6, 4))).toBe('resync');
    expect(store.get('a')).toBe(1);
    expect(store.position).toEqual(at(5, 5));
  });

  it('resyncs on a resume when it asked for a reset, keeping none of it', () => {
    const store = liveStore([['a', 1]], at(5, 5));
    store.requireReset();
    store.snapshotBegin('resume');
    store.snapshotPart([['b', 2]], []);
    expect(store.snapshotEnd(at(6, 6), 'caught_up')).toBe('resync');
    expect(store.get('b')).toBeUndefined();
    expect(store.position).toEqual(at(5, 5));
  });

  it('asks for a resync on a delta from another topic', () => {
    const store = liveStore([['a', 1]]);
    expect(store.delta([['a', 2]], [], { topicId: 'other', offsets: [9] })).toBe('resync');
    expect(store.get('a')).toBe(1);
  });

  it('does not notify for a batch that changed nothing', () => {
    const store = liveStore([['a', 1]]);
    const listener = vi.fn();
    store.subscribe(listener);
    store.delta([], ['missing'], at(6));
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('TableStore status', () => {
  it('I4: stays loading until snapshot-end AND the bridge is caught up', () => {
    const store = new TableStore<number>();
    const statuses: string[] = [];
    store.onStatus((status) => statuses.push(status));
    store.startSubscription();
    store.bridgeStatus('caught_up', undefined);
    expect(store.status).toBe('loading');
    store.snapshotBegin('reset');
    store.snapshotEnd(at(0), 'loading');
    expect(store.status).toBe('loading');
    store.bridgeStatus('caught_up', undefined);
    expect(store.status).toBe('caught_up');
    store.bridgeStatus('degraded', 'broker unreachable');
    expect(store.status).toBe('degraded');
    expect(store.statusReason).toBe('broker unreachable');
    expect(statuses).toEqual(['caught_up', 'degraded']);
  });

  it('is degraded while disconnected and loading again until the new snapshot', () => {
    const store = liveStore([['a', 1]]);
    store.connectionLost();
    expect(store.status).toBe('degraded');
    expect(store.get('a')).toBe(1);
    store.startSubscription();
    expect(store.status).toBe('loading');
  });
});

describe('TableStore.whenCaughtUp', () => {
  it('resolves true at once when caught up', async () => {
    await expect(liveStore().whenCaughtUp()).resolves.toBe(true);
  });

  it('resolves true when the store catches up later', async () => {
    const store = new TableStore<number>();
    store.startSubscription();
    const result = store.whenCaughtUp({ timeoutMs: 1000 });
    store.snapshotBegin('reset');
    store.snapshotEnd(at(0), 'caught_up');
    await expect(result).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves false on timeout', async () => {
    const store = new TableStore<number>();
    const result = store.whenCaughtUp({ timeoutMs: 1000 });
    vi.advanceTimersByTime(1000);
    await expect(result).resolves.toBe(false);
  });

  it('resolves false on close and clears its timer', async () => {
    const store = new TableStore<number>();
    const result = store.whenCaughtUp({ timeoutMs: 1000 });
    store.close();
    await expect(result).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await expect(store.whenCaughtUp()).resolves.toBe(false);
  });

  it('resolves false when the table fails', async () => {
    const store = new TableStore<number>();
    store.startSubscription();
    const result = store.whenCaughtUp({ timeoutMs: 1000 });
    store.fail('UNKNOWN_TABLE: no such table');
    await expect(result).resolves.toBe(false);
  });
});

describe('TableStore reading', () => {
  it('returns the default factory value for missing keys', () => {
    const store = new TableStore<number>({ default: (key) => key.length });
    expect(store.get('abc')).toBe(3);
    expect(store.has('abc')).toBe(false);
  });

  it('hands out the same snapshot until the next batch, then a new one', () => {
    const store = liveStore([['a', 1]]);
    const first = store.getSnapshot();
    expect(store.getSnapshot()).toBe(first);
    store.delta([['b', 2]], [], at(6));
    const second = store.getSnapshot();
    expect(second).not.toBe(first);
    expect(first.has('b')).toBe(false);
    expect(second.get('b')).toBe(2);
    expect(store.getSnapshot()).toBe(second);
  });

  it('fires key listeners only for the keys that changed', () => {
    const store = liveStore([
      ['a', 1],
      ['b', 2],
    ]);
    const onA = vi.fn();
    const onB = vi.fn();
    store.subscribeKey('a', onA);
    const stopB = store.subscribeKey('b', onB);
    store.delta([['a', 10]], [], at(6));
    expect(onA).toHaveBeenCalledTimes(1);
    expect(onB).not.toHaveBeenCalled();
    stopB();
    store.delta([], ['b'], at(7));
    expect(onB).not.toHaveBeenCalled();
  });

  it('keeps notifying the other listeners when one throws, and reports it', () => {
    const errors: TablecastClientError[] = [];
    const store = new TableStore<number>({ onError: (error) => errors.push(error) });
    const after = vi.fn();
    store.subscribe(() => {
      throw new Error('boom');
    });
    store.subscribe(after);
    store.startSubscription();
    store.snapshotBegin('reset');
    store.snapshotPart([['a', 1]], []);
    store.snapshotEnd(at(1), 'caught_up');
    expect(after).toHaveBeenCalledTimes(1);
    expect(errors.map((error) => error.code)).toEqual(['LISTENER']);
  });
});

describe('hydrate and pause', () => {
  it('paints once before any snapshot, vouched status holds until snapshot-end', () => {
    const store = new TableStore<number>({ name: 'prices' });
    const batches = vi.fn();
    store.subscribe(batches);
    expect(store.hydrate([['a', 1]], at(3), true)).toBe(true);
    expect(batches).toHaveBeenCalledTimes(1);
    expect(store.status).toBe('caught_up');
    store.startSubscription();
    expect(store.status).toBe('caught_up');
    // Only into a store without a position: a second hydrate changes nothing.
    expect(store.hydrate([['a', 0]], at(1), true)).toBe(false);
    expect(store.get('a')).toBe(1);
    store.snapshotBegin('resume');
    store.snapshotEnd(at(4), 'loading');
    expect(store.status).toBe('loading');
  });

  it('loses the vouched status on a lost connection, and pauses as degraded', () => {
    const store = new TableStore<number>({ name: 'prices' });
    store.hydrate([['a', 1]], at(3), true);
    store.connectionLost();
    expect(store.status).toBe('degraded');
    store.startSubscription();
    expect(store.status).toBe('loading');
    store.pause('paused');
    expect([store.status, store.statusReason]).toEqual(['degraded', 'paused']);
    // Messages of the dropped subscription are ignored while paused.
    expect(store.delta([['a', 2]], [], at(4))).toBe('ignored');
    store.startSubscription();
    expect(store.status).toBe('loading');
    expect(store.get('a')).toBe(1);
  });

  it('tells the client about every applied batch, even one that changed nothing', () => {
    const onApplied = vi.fn();
    const store = new TableStore<number>({ name: 'prices', onApplied });
    store.startSubscription();
    store.snapshotBegin('reset');
    store.snapshotEnd(at(1), 'caught_up');
    store.delta([], [], at(2));
    store.delta([], [], at(1));
    expect(onApplied).toHaveBeenCalledTimes(2);
    expect(store.toEntries()).toEqual([]);
  });
});
