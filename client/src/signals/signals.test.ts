import { effect } from '@preact/signals-core';
import { describe, expect, it, vi } from 'vitest';
import { TableStore } from '../table-store.js';
import { at, liveStore } from '../test/live-store.js';
import { signals } from './signals.js';

describe('signals', () => {
  it('updates map and status signals per batch', () => {
    const store = liveStore([['a', 1]]);
    const table = signals(store);
    const seen = vi.fn();
    const stop = effect(() => seen(table.map.value.size));
    store.delta([['b', 2]], [], at(2));
    expect(seen.mock.calls).toEqual([[1], [2]]);
    store.connectionLost();
    expect(table.status.value).toBe('degraded');
    stop();
    table.dispose();
  });

  it('updates a key signal only when that key changes', () => {
    const store = liveStore([
      ['a', 1],
      ['b', 2],
    ]);
    const table = signals(store);
    const a = table.key('a');
    expect(table.key('a')).toBe(a);
    const seen = vi.fn();
    const stop = effect(() => seen(a.value));
    store.delta([['b', 20]], [], at(2));
    store.delta([['b', 21]], [], at(3));
    expect(seen.mock.calls).toEqual([[1]]);
    store.delta([['a', 10]], [], at(4));
    store.delta([], ['a'], at(5));
    expect(seen.mock.calls).toEqual([[1], [10], [undefined]]);
    stop();
    table.dispose();
  });

  it('is current when read outside any effect', () => {
    const store = liveStore([['a', 1]]);
    const table = signals(store);
    const a = table.key('a');
    expect(a.value).toBe(1);
    store.delta([['a', 2]], [], at(2));
    expect(a.value).toBe(2);
    expect(table.map.value.get('a')).toBe(2);
    table.dispose();
  });

  it('keeps one default per missing key so it does not change on every batch', () => {
    const store = new TableStore<{ n: number }>({ default: () => ({ n: 0 }) });
    const table = signals(store);
    const seen = vi.fn();
    const stop = effect(() => seen(table.key('x').value));
    store.startSubscription();
    store.snapshotBegin('reset');
    store.snapshotPart([['y', { n: 1 }]], []);
    store.snapshotEnd(at(1), 'caught_up');
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen.mock.calls[0]).toEqual([{ n: 0 }]);
    stop();
    table.dispose();
  });

  it('stops updating after dispose', () => {
    const store = liveStore([['a', 1]]);
    const table = signals(store);
    table.dispose();
    store.delta([['a', 2]], [], at(2));
    expect(table.map.value.get('a')).toBe(1);
  });
});
