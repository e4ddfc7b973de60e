import { describe, expect, it } from 'vitest';
import { FakeClient } from '../react/test/fake-client.js';
import { rxStream } from '../rx/rx-stream.js';
import { streamSignals } from '../signals/stream-signals.js';
import { stream } from './stream-handle.js';
import type { StreamRow } from './stream-row.js';

const row = (partition: number, offset: number, timestamp: number): [string, StreamRow<number>] => [
  `${partition}:${offset}`,
  { key: `k${offset}`, value: offset, timestamp, partition, offset },
];
const order = (rows: readonly StreamRow<number>[]) => rows.map((r) => `${r.partition}:${r.offset}`);

describe('stream(client, name)', () => {
  it('holds the rows in order of time, partition, offset, and follows the batches', () => {
    const client = new FakeClient();
    const events = stream<number>(client, 'events');
    expect(events.rows).toEqual([]);
    expect(events.status).toBe('loading');
    client.snapshot('events', [row(1, 0, 20), row(0, 3, 20), row(0, 2, 10)]);
    expect(order(events.rows)).toEqual(['0:2', '0:3', '1:0']);
    expect(events.status).toBe('caught_up');
    let heard = 0;
    events.subscribe(() => heard++);
    client.delta('events', [row(1, 1, 15), row(0, 4, 30)], ['0:2']);
    expect(order(events.rows)).toEqual(['1:1', '0:3', '1:0', '0:4']);
    expect(heard).toBe(1);
    expect(events.getSnapshot()).toBe(events.rows);
  });

  it('keeps only the newest `limit` rows when asked', () => {
    const client = new FakeClient();
    const events = stream<number>(client, 'events', { limit: 2 });
    client.snapshot('events', [row(0, 0, 1), row(0, 1, 2), row(0, 2, 3)]);
    expect(order(events.rows)).toEqual(['0:1', '0:2']);
    expect(() => stream(client, 'events', { limit: 0 })).toThrow(RangeError);
  });

  it('close releases its table handle', () => {
    const client = new FakeClient();
    const events = stream<number>(client, 'events');
    expect(client.refs('events')).toBe(1);
    events.close();
    events.close();
    expect(client.refs('events')).toBe(0);
    expect(events.closed).toBe(true);
  });

  it('rxStream emits the rows on subscribe and per batch; streamSignals holds them', () => {
    const client = new FakeClient();
    const events = stream<number>(client, 'events');
    client.snapshot('events', [row(0, 0, 1)]);
    const seen: string[][] = [];
    const subscription = rxStream(events).rows$.subscribe((rows) => seen.push(order(rows)));
    const signals = streamSignals(events);
    client.delta('events', [row(0, 1, 2)]);
    expect(seen).toEqual([['0:0'], ['0:0', '0:1']]);
    expect(order(signals.rows.value)).toEqual(['0:0', '0:1']);
    expect(signals.status.value).toBe('caught_up');
    subscription.unsubscribe();
    signals.dispose();
    client.delta('events', [row(0, 2, 3)]);
    expect(seen).toHaveLength(2);
    expect(signals.rows.value).toHaveLength(2);
  });
});
