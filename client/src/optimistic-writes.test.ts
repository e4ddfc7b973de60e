import { describe, expect, it } from 'vitest';
import { TablecastClientError } from './errors.js';
import type { WriteReceipt } from './pending-writes.js';
import { TableStore } from './table-store.js';
import { at } from './test/live-store.js';

/** A live store whose writes wait for the test to settle them. */
function writableStore() {
  const writes: Array<{ resolve: (r: WriteReceipt) => void; reject: (e: Error) => void }> = [];
  const store = new TableStore<number>({
    name: 'prices',
    write: () =>
      new Promise<WriteReceipt>((resolve, reject) => {
        writes.push({ resolve, reject });
      }),
  });
  store.startSubscription();
  store.snapshotBegin('reset');
  store.snapshotPart([['a', 1]], []);
  store.snapshotEnd(at(5), 'caught_up');
  return { store, writes };
}

describe('optimistic writes', () => {
  it('show the value at once as pending, then what Kafka has once the write is shown', async () => {
    const { store, writes } = writableStore();
    const views: Array<ReadonlyMap<string, number>> = [];
    store.subscribe(() => views.push(store.getSnapshot()));
    const done = store.set('a', 2, { optimistic: true });
    expect(store.get('a')).toBe(2);
    expect([...store.pending]).toEqual(['a']);
    expect(views.at(-1)?.get('a')).toBe(2);
    // The confirmed side is untouched: the position is still where Kafka's data is.
    expect(store.position).toEqual(at(5));
    // Kafka's record arrives as a delta, then the write settles.
    store.delta([['a', 2]], [], at(6));
    writes[0]!.resolve({ topicId: 't', partition: 0, offset: 5 });
    await done;
    expect([...store.pending]).toEqual([]);
    expect(store.get('a')).toBe(2);
    expect([...store.getSnapshot()]).toEqual([['a', 2]]);
  });

  it('roll back a refused write, and an optimistic delete, to the confirmed value', async () => {
    const { store, writes } = writableStore();
    const refused = store.set('a', 9, { optimistic: true }).catch((e: unknown) => e);
    const removed = store.delete('a', { optimistic: true }).catch((e: unknown) => e);
    expect(store.has('a')).toBe(false);
    expect(store.size).toBe(0);
    writes[1]!.reject(new TablecastClientError('FORBIDDEN', 'no'));
    await removed;
    // A key shows its latest optimistic write; once that settles, Kafka's value shows again.
    expect(store.get('a')).toBe(1);
    writes[0]!.reject(new TablecastClientError('FORBIDDEN', 'no'));
    expect(await refused).toMatchObject({ code: 'FORBIDDEN' });
    expect(store.get('a')).toBe(1);
    expect([...store.pending]).toEqual([]);
  });

  it('are off by default: a plain write shows nothing until Kafka has it', () => {
    const { store } = writableStore();
    void store.set('a', 2);
    expect(store.get('a')).toBe(1);
    expect(store.pending.size).toBe(0);
  });
});
