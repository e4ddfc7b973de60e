import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Position } from '../../../shared/src/protocol/index.js';
import type { TableChange } from '../table-types.js';
import type { BatchFrames } from './batch-frames.js';
import { DeltaLog } from './delta-log.js';
import { TableSweep } from './table-sweep.js';

/** A table in miniature: one partition, its offset counting the changes applied. */
class Bed {
  readonly map = new Map<string, number>();
  offset = 0;
  readonly log = new DeltaLog('t');
  readonly got = new Map<string, BatchFrames[]>();
  readonly sweep = new TableSweep<string>(
    this.log,
    () => this.position(),
    (member, batch) => this.got.get(member)?.push(batch),
  );

  position(): Position {
    return { topicId: 't1', offsets: [this.offset] };
  }

  join(member: string): void {
    this.got.set(member, []);
    this.sweep.add(member);
  }

  write(key: string, value: number | null): void {
    const change: TableChange<unknown> =
      value === null
        ? { key, deleted: true, partition: 0, offset: this.offset }
        : {
            key,
            deleted: false,
            value,
            text: String(value),
            plain: true,
            partition: 0,
            offset: this.offset,
          };
    this.offset++;
    if (value === null) this.map.delete(key);
    else this.map.set(key, value);
    if (this.sweep.size > 0) this.log.add([change]);
  }

  /** Runs slices until the sweep has nobody behind. */
  drain(): number {
    let slices = 0;
    while (this.sweep.runSlice()) slices++;
    return slices + 1;
  }

  keys(member: string): string[][] {
    return this.got.get(member)!.map((b) => b.changes.map((c) => c.key));
  }
}

describe('TableSweep', () => {
  it('gives sockets later in the sweep a change that arrived mid-sweep, in the same delta', () => {
    const bed = new Bed();
    const members = Array.from({ length: 100 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    for (const m of members) bed.join(m);
    bed.write('a', 1);
    expect(bed.sweep.runSlice()).toBe(true); // the first 32 have 'a'
    bed.write('b', 1);
    bed.drain();

    expect(bed.keys('m000')).toEqual([['a'], ['b']]);
    expect(bed.keys('m031')).toEqual([['a'], ['b']]);
    // Visited after 'b' was sealed: one delta with both, not two.
    expect(bed.keys('m032')).toEqual([['a', 'b']]);
    expect(bed.keys('m099')).toEqual([['a', 'b']]);
    // Built once per starting point: every socket that started at entry 0 after the second
    // seal got the very same frames.
    expect(bed.got.get('m032')![0]).toBe(bed.got.get('m099')![0]);
  });

  it('stops once every socket has everything, and a new change starts it again', () => {
    const bed = new Bed();
    bed.join('x');
    expect(bed.sweep.runSlice()).toBe(false);
    bed.write('a', 1);
    expect(bed.sweep.runSlice()).toBe(false);
    expect(bed.keys('x')).toEqual([['a']]);
    expect(bed.sweep.runSlice()).toBe(false);
    expect(bed.keys('x')).toEqual([['a']]);
  });

  it('brings every socket up to date at once before a status, even when a delivery drops one', () => {
    const log = new DeltaLog('t');
    const got: string[] = [];
    let offset = 0;
    const sweep: TableSweep<string> = new TableSweep<string>(
      log,
      () => ({ topicId: 't1', offsets: [offset] }),
      (member) => {
        got.push(member);
        // Closing its socket: the last member moves into this one's place.
        if (member === 'a') sweep.delete('a');
      },
    );
    for (const m of ['a', 'b', 'c', 'd']) sweep.add(m);
    offset = 1;
    log.add([{ key: 'k', deleted: true, partition: 0, offset: 0 }]);
    sweep.catchUpAll();
    expect(got.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(sweep.runSlice()).toBe(false);
  });

  it('every socket ends equal to the table, positions only forward, one entry per key per delta', () => {
    type Op =
      | { op: 'join'; m: number }
      | { op: 'leave'; m: number }
      | { op: 'write'; key: number; value: number | null }
      | { op: 'slice' }
      | { op: 'status' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('join' as const), m: fc.nat(40) }),
      fc.record({ op: fc.constant('leave' as const), m: fc.nat(40) }),
      fc.record({
        op: fc.constant('write' as const),
        key: fc.nat(8),
        value: fc.option(fc.nat(99), { nil: null }),
      }),
      fc.record({ op: fc.constant('slice' as const) }),
      fc.record({ op: fc.constant('status' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const bed = new Bed();
        // What each member shows: the table when it joined (its snapshot), then its deltas.
        const views = new Map<string, Map<string, number>>();
        const seen = new Map<string, number>();
        const check = (member: string): void => {
          const view = views.get(member)!;
          const batches = bed.got.get(member)!;
          for (const batch of batches.splice(0)) {
            const keys = batch.changes.map((c) => c.key);
            expect(new Set(keys).size).toBe(keys.length);
            const offset = batch.position.offsets[0]!;
            expect(offset).toBeGreaterThanOrEqual(seen.get(member) ?? 0);
            seen.set(member, offset);
            for (const c of batch.changes) {
              if (c.deleted) view.delete(c.key);
              else view.set(c.key, c.value as number);
            }
          }
        };
        for (const o of ops) {
          if (o.op === 'join' && !views.has(`m${o.m}`)) {
            views.set(`m${o.m}`, new Map(bed.map));
            seen.set(`m${o.m}`, bed.offset);
            bed.join(`m${o.m}`);
          } else if (o.op === 'leave') {
            bed.sweep.delete(`m${o.m}`);
            views.delete(`m${o.m}`);
          } else if (o.op === 'write') bed.write(`k${o.key}`, o.value);
          else if (o.op === 'slice') bed.sweep.runSlice();
          else if (o.op === 'status') {
            bed.sweep.catchUpAll();
            for (const m of views.keys()) {
              check(m);
              expect(views.get(m)).toEqual(bed.map);
            }
          }
        }
        bed.drain();
        for (const m of views.keys()) {
          check(m);
          expect(views.get(m)).toEqual(bed.map);
        }
      }),
    );
  });
});
