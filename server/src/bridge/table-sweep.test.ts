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
  /** Members that only record deltas once live, as a connection does after its snapshot. */
  readonly waiting = new Set<string>();
  readonly sweep: TableSweep<string>;

  /** The sweep's clock, in ms: each delivery costs `visitMs` (10 µs by default, a loopback write). */
  now = 0;

  constructor(visitMs = 0.01) {
    this.sweep = new TableSweep<string>(
      this.log,
      () => this.position(),
      (member, batch) => {
        this.now += visitMs;
        if (!this.waiting.has(member)) this.got.get(member)?.push(batch);
      },
      () => this.now,
    );
  }

  /** A busy table: 1,024 sockets at 1 ms a visit, so a pass takes about a second. */
  static busy(): Bed {
    const bed = new Bed(1);
    for (let i = 0; i < 1024; i++) bed.join(`m${i}`);
    return bed;
  }

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

  it('a busy sweep seals a few times per pass, an idle one at once', () => {
    const bed = Bed.busy();
    const sealsPerPass: number[] = [];
    for (let pass = 0; pass < 8; pass++) {
      const before = bed.log.latest;
      for (let slice = 0; slice < 32; slice++) {
        bed.write(`k${slice}`, pass);
        bed.sweep.runSlice();
      }
      sealsPerPass.push(bed.log.latest - before);
    }
    // The first passes learn what a visit costs; then one seal per eighth of a pass.
    for (const seals of sealsPerPass.slice(4)) expect(seals).toBeGreaterThanOrEqual(7);
    for (const seals of sealsPerPass.slice(4)) expect(seals).toBeLessThanOrEqual(9);
    bed.drain();
    // Idle: the next change is sealed at once and reaches the sockets of the first slice.
    bed.write('quiet', 1);
    bed.sweep.runSlice();
    const reached = [...bed.got.keys()].filter((m) => bed.keys(m).at(-1)?.[0] === 'quiet');
    expect(reached).toHaveLength(32);
  });

  it('sends a socket going live what a busy sweep holds back, without a seal for the others', () => {
    const bed = Bed.busy();
    for (let slice = 0; slice < 64; slice++) {
      bed.write('k', slice);
      bed.sweep.runSlice();
    }
    bed.write('k', 1000); // held back: the sweep is busy and sealed a moment ago
    const latest = bed.log.latest;
    const counts = new Map([...bed.got].map(([m, got]) => [m, got.length]));
    // Every socket goes live now, at the table's position.
    for (const m of bed.got.keys()) bed.sweep.settle(m);
    bed.sweep.runSlice();
    expect(bed.log.latest).toBe(latest);
    const visited = [...bed.got].filter(([m, got]) => got.length > counts.get(m)!);
    expect(visited).toHaveLength(32);
    for (const [, got] of visited) {
      const last = got.at(-1)!;
      expect(last.position).toEqual(bed.position());
      expect(last.changes.map((c) => (c.deleted ? null : c.value))).toEqual([1000]);
    }
  });

  it('every socket ends equal to the table, positions only forward, one entry per key per delta', () => {
    type Op =
      | { op: 'join'; m: number }
      | { op: 'live'; m: number }
      | { op: 'leave'; m: number }
      | { op: 'write'; key: number; value: number | null }
      | { op: 'slice' }
      | { op: 'status' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('join' as const), m: fc.nat(9) }),
      fc.record({ op: fc.constant('live' as const), m: fc.nat(9) }),
      fc.record({ op: fc.constant('leave' as const), m: fc.nat(9) }),
      fc.record({
        op: fc.constant('write' as const),
        key: fc.nat(8),
        value: fc.option(fc.nat(99), { nil: null }),
      }),
      fc.record({ op: fc.constant('slice' as const) }),
      fc.record({ op: fc.constant('status' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, slowVisits) => {
        // Slow visits make the sweep busy, so it holds changes back between seals.
        const bed = new Bed(slowVisits ? 5 : 0.001);
        // Sockets still in their snapshots: enough that a busy pass holds changes back (a seal
        // per eighth of a pass is more than a slice of visits).
        for (let i = 0; i < 300; i++) {
          bed.waiting.add(`w${i}`);
          bed.join(`w${i}`);
        }
        // What each live member shows: the table when it went live (its snapshot), then its
        // deltas.
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
          const m = 'm' in o ? `m${o.m}` : '';
          if (o.op === 'join' && !bed.got.has(m)) {
            bed.waiting.add(m);
            bed.join(m);
          } else if (o.op === 'live' && bed.waiting.has(m)) {
            bed.sweep.settle(m);
            bed.waiting.delete(m);
            views.set(m, new Map(bed.map));
            seen.set(m, bed.offset);
          } else if (o.op === 'leave') {
            bed.sweep.delete(m);
            bed.got.delete(m);
            bed.waiting.delete(m);
            views.delete(m);
          } else if (o.op === 'write') bed.write(`k${o.key}`, o.value);
          else if (o.op === 'slice') bed.sweep.runSlice();
          else if (o.op === 'status') {
            bed.sweep.catchUpAll();
            for (const live of views.keys()) {
              check(live);
              expect(views.get(live)).toEqual(bed.map);
            }
          }
          for (const live of views.keys()) check(live);
        }
        bed.drain();
        for (const live of views.keys()) {
          check(live);
          expect(views.get(live)).toEqual(bed.map);
        }
      }),
      { numRuns: 500 },
    );
  });
});
