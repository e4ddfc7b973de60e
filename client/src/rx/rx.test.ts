import { describe, expect, it } from 'vitest';
import { at, liveStore } from '../test/live-store.js';
import { rx } from './rx.js';

describe('rx', () => {
  it('emits the current map on subscribe and once per applied batch', () => {
    const store = liveStore([['a', 1]]);
    const maps: ReadonlyMap<string, number>[] = [];
    const subscription = rx(store).table$.subscribe((map) => maps.push(map));
    expect(maps).toHaveLength(1);
    store.delta(
      [
        ['b', 2],
        ['c', 3],
      ],
      [],
      at(2),
    );
    expect(maps).toHaveLength(2);
    expect(Object.fromEntries(maps[1]!)).toEqual({ a: 1, b: 2, c: 3 });
    expect(maps[0]!.has('b')).toBe(false);
    subscription.unsubscribe();
    store.delta([['d', 4]], [], at(3));
    expect(maps).toHaveLength(2);
  });

  it('emits the changes of each batch', () => {
    const store = liveStore([['a', 1]]);
    const batches: unknown[] = [];
    rx(store).changes$.subscribe((changes) => batches.push(changes));
    store.delta([['b', 2]], ['a'], at(2));
    expect(batches).toEqual([
      [
        { key: 'b', deleted: false, value: 2 },
        { key: 'a', deleted: true },
      ],
    ]);
  });

  it('emits the current status on subscribe, then distinct changes', () => {
    const store = liveStore([['a', 1]]);
    const statuses: string[] = [];
    const subscription = rx(store).status$.subscribe((status) => statuses.push(status));
    store.bridgeStatus('degraded', 'slow');
    store.bridgeStatus('degraded', 'slower');
    store.bridgeStatus('caught_up', undefined);
    expect(statuses).toEqual(['caught_up', 'degraded', 'caught_up']);
    subscription.unsubscribe();
    store.connectionLost();
    expect(statuses).toHaveLength(3);
  });
});
