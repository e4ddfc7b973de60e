import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AGGREGATE_OPS, type AggregateOp } from './aggregate-op.js';
import { GroupByState } from './group-by-state.js';
import { WindowState, windowKey } from './window-state.js';

interface Row {
  readonly status: string;
  readonly n?: number;
}

function aggregate(op: AggregateOp, xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  switch (op) {
    case 'count':
      return xs.length;
    case 'sum':
      return xs.reduce((a, b) => a + b, 0);
    case 'avg':
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    case 'min':
      return Math.min(...xs);
    case 'max':
      return Math.max(...xs);
  }
}

/** Groups recomputed from scratch: what the incremental state must always equal. */
function groupModel(op: AggregateOp, table: Map<string, Row>): Map<string, number> {
  const xs = new Map<string, number[]>();
  for (const row of table.values()) {
    if (op !== 'count' && row.n === undefined) continue;
    xs.set(row.status, [...(xs.get(row.status) ?? []), row.n ?? 0]);
  }
  const out = new Map<string, number>();
  for (const [group, values] of xs) out.set(group, aggregate(op, values)!);
  return out;
}

const op = fc.constantFrom(...AGGREGATE_OPS);
const row = fc.record(
  { status: fc.constantFrom('up', 'down', 'degraded'), n: fc.integer({ min: -50, max: 50 }) },
  { requiredKeys: ['status'] },
);
const write = fc.tuple(
  fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
  fc.option(row, { nil: undefined }),
);

describe('group-by aggregates over a table', () => {
  it('equal a recomputation after every write, delete and regrouping; flush names every changed group', () => {
    fc.assert(
      fc.property(op, fc.array(write, { maxLength: 60 }), (aggregateOp, writes) => {
        const state = new GroupByState<Row>({
          op: aggregateOp,
          groupBy: (v) => v.status,
          field: (v) => v.n,
        });
        const table = new Map<string, Row>();
        let before = new Map<string, number>();
        for (const [key, value] of writes) {
          if (value === undefined) table.delete(key);
          else table.set(key, value);
          state.apply(key, value);
          const after = groupModel(aggregateOp, table);
          expect(new Map(state.entries())).toEqual(after);
          const flushed = new Map(state.flush().map((c) => [c.group, c.value]));
          for (const group of new Set([...before.keys(), ...after.keys()])) {
            if (before.get(group) !== after.get(group)) {
              expect(flushed.has(group)).toBe(true);
              expect(flushed.get(group)).toBe(after.get(group));
            }
          }
          before = after;
        }
      }),
    );
  });

  it('retracts a value that moved to another group and drops empty groups', () => {
    const state = new GroupByState<Row>({ op: 'count', groupBy: (v) => v.status });
    state.apply('svc-1', { status: 'up' });
    state.apply('svc-2', { status: 'up' });
    state.flush();
    state.apply('svc-1', { status: 'down' });
    expect(state.flush()).toEqual([
      { group: 'up', value: 1, at: 0 },
      { group: 'down', value: 1, at: 0 },
    ]);
    state.apply('svc-2', undefined);
    expect(state.flush()).toEqual([{ group: 'up', value: undefined, at: 0 }]);
    expect([...state.entries()]).toEqual([['down', 1]]);
  });

  it('dates a changed group by its latest change, in whatever order the changes were applied', () => {
    const state = new GroupByState<Row>({ op: 'count', groupBy: (v) => v.status });
    state.apply('svc-2', { status: 'up' }, 9);
    state.apply('svc-1', { status: 'up' }, 4);
    expect(state.flush()).toEqual([{ group: 'up', value: 2, at: 9 }]);
  });
});

describe('windowed aggregates over a stream', () => {
  const record = fc.record({
    group: fc.constantFrom('api', 'web'),
    n: fc.integer({ min: 0, max: 9 }),
    ts: fc.integer({ min: 0, max: 10_000 }),
  });
  const window = fc
    .record({
      sizeMs: fc.constantFrom(1_000, 2_000),
      hops: fc.constantFrom(1, 2, 4),
      retainMs: fc.constantFrom(500, 1_000, 3_000),
      graceShare: fc.constantFrom(0, 0.5, 1),
    })
    .map(({ sizeMs, hops, retainMs, graceShare }) => ({
      sizeMs,
      advanceMs: sizeMs / hops,
      retainMs,
      graceMs: Math.floor(retainMs * graceShare),
    }));

  it('equal a recomputation on record time, with late records dropped after the grace and windows expired after retention', () => {
    fc.assert(
      fc.property(op, window, fc.array(record, { maxLength: 80 }), (aggregateOp, spec, records) => {
        const state = new WindowState<{ group: string; n: number }>({
          window: spec,
          op: aggregateOp,
          groupBy: (v) => v.group,
          field: (v) => v.n,
        });
        // The model: stream time after each record decides which of its windows accept it.
        const accepted = new Map<string, { group: string; start: number; xs: number[] }>();
        let streamTime = Number.NEGATIVE_INFINITY;
        let late = 0;
        for (const r of records) {
          state.apply(null, r, r.ts);
          streamTime = Math.max(streamTime, r.ts);
          let counted = false;
          for (let start = -spec.sizeMs; start <= r.ts; start += spec.advanceMs) {
            if (r.ts >= start + spec.sizeMs) continue;
            if (start + spec.sizeMs + spec.graceMs <= streamTime) continue;
            const key = windowKey(r.group, start);
            const w = accepted.get(key) ?? { group: r.group, start, xs: [] };
            w.xs.push(r.n);
            accepted.set(key, w);
            counted = true;
          }
          if (!counted) late++;
        }
        const expected = new Map<string, number>();
        for (const [key, w] of accepted) {
          if (w.start + spec.sizeMs + spec.retainMs > streamTime) {
            expected.set(key, aggregate(aggregateOp, w.xs)!);
          }
        }
        const actual = new Map([...state.entries()].map(([key, w]) => [key, w.value]));
        expect(actual).toEqual(expected);
        expect(state.lateRecords).toBe(late);
      }),
    );
  });

  it('reports expired windows as deleted', () => {
    const state = new WindowState<{ n: number }>({
      window: { sizeMs: 60_000, retainMs: 60_000 },
      op: 'count',
      groupBy: () => 'all',
    });
    state.apply('k', { n: 1 }, 0);
    expect(state.flush()).toEqual([
      {
        key: 'all@1970-01-01T00:00:00.000Z',
        value: { group: 'all', start: 0, end: 60_000, value: 1 },
      },
    ]);
    state.apply('k', { n: 1 }, 120_000);
    expect(state.flush()).toEqual([
      { key: 'all@1970-01-01T00:02:00.000Z', value: expect.objectContaining({ value: 1 }) },
      { key: 'all@1970-01-01T00:00:00.000Z', value: undefined },
    ]);
  });

  it('rejects windows that would leave gaps or keep late records past their retention', () => {
    const spec = (window: object) => () =>
      new WindowState({ window: window as never, op: 'count', groupBy: () => 'g' });
    expect(spec({ sizeMs: 1_000, advanceMs: 2_000 })).toThrow(/advanceMs/);
    expect(spec({ sizeMs: 0 })).toThrow(/sizeMs/);
    expect(spec({ sizeMs: 1_000, retainMs: 100, graceMs: 200 })).toThrow(/graceMs/);
  });
});
