import { describe, expect, it } from 'vitest';
import type { TableChange } from '../table-types.js';
import { DeltaCoalescer } from './delta-coalescer.js';

const set = (key: string, offset: number) =>
  ({ key, deleted: false, partition: 0, offset }) as unknown as TableChange<unknown>;
const del = (key: string, offset: number): TableChange<unknown> => ({
  key,
  deleted: true,
  partition: 0,
  offset,
});

describe('DeltaCoalescer', () => {
  it('I11: sends the batches of one turn as one delta, one change per key, the last one', async () => {
    const sent: Array<[string, readonly TableChange<unknown>[]]> = [];
    const deltas = new DeltaCoalescer((table, changes) => sent.push([table, changes]));
    deltas.add('t', [set('a', 0), set('b', 1)]);
    deltas.add('t', [del('a', 2), set('c', 3)]);
    deltas.add('u', [set('x', 0)]);
    expect(sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      sent.map(([table, changes]) => [table, changes.map((c) => `${c.key}@${c.offset}`)]),
    ).toEqual([
      ['t', ['b@1', 'a@2', 'c@3']],
      ['u', ['x@0']],
    ]);
  });

  it('I4: flushes a table at once when asked (before its status goes out), and nothing after close', async () => {
    const sent: string[] = [];
    const deltas = new DeltaCoalescer((table) => sent.push(table));
    deltas.add('t', [set('a', 0)]);
    deltas.flush('t');
    expect(sent).toEqual(['t']);
    deltas.add('t', [set('b', 1)]);
    deltas.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['t']);
  });

  it('spaces a table out by what its last delta cost to send, capped, gathering what arrives', async () => {
    let clock = 0;
    const timers: Array<{ callback: () => void; ms: number; cleared: boolean }> = [];
    const sent: string[][] = [];
    const deltas = new DeltaCoalescer(
      (_table, changes) => {
        sent.push(changes.map((c) => c.key));
        clock += 8; // sending to every socket took 8 ms
      },
      {
        now: () => clock,
        maxDelayMs: 5,
        timers: {
          setTimeout: (callback, ms) => {
            const timer = { callback, ms, cleared: false };
            timers.push(timer);
            return timer;
          },
          clearTimeout: (timer) => {
            (timer as { cleared: boolean }).cleared = true;
          },
        },
      },
    );
    deltas.add('t', [set('a', 0)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([['a']]); // idle: next turn, no timer
    expect(timers).toEqual([]);
    deltas.add('t', [set('b', 1)]);
    deltas.add('t', [set('c', 2)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([['a']]); // held back: the last delta cost 8 ms, capped at 5
    expect(timers.map((t) => t.ms)).toEqual([5]);
    clock += 5;
    timers[0]!.callback();
    expect(sent).toEqual([['a'], ['b', 'c']]);
    clock += 100; // quiet again: the next change goes on the next turn
    deltas.add('t', [set('d', 3)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([['a'], ['b', 'c'], ['d']]);
    deltas.add('t', [set('e', 4)]);
    deltas.close();
    expect(timers.at(-1)!.cleared).toBe(true);
  });
});
