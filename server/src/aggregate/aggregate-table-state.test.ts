import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { json } from '../../../shared/src/codecs/json.js';
import { utf8 } from '../../../shared/src/codecs/utf8.js';
import type { RawRecord, RecordBatch } from '../source/kafka-source.js';
import type { TableStateContext } from '../table-kind.js';
import type { TableState } from '../table-state.js';
import { namedAggregates } from './aggregate-spec.js';
import { GroupByTableState } from './group-by-table-state.js';
import { WindowedTableState } from './windowed-table-state.js';

interface Row {
  readonly status: string;
  readonly n: number;
}

const enc = new TextEncoder();
const context = <V>(): TableStateContext<V> => ({
  keyCodec: utf8(),
  valueCodec: json<V>(),
  tombstoneHistory: 10_000,
  maxValueBytes: 1024,
  onRejected: () => {},
});
const aggregates = namedAggregates<Row>({
  count: 'count',
  total: { op: 'sum', field: (v) => v.n },
  low: { op: 'min', field: (v) => v.n },
});
const groupBy = () =>
  new GroupByTableState<Row>(context(), json<Row>(), (v) => v.status, aggregates);
const windowed = () =>
  new WindowedTableState<Row>(
    context(),
    json<Row>(),
    { sizeMs: 1_000, advanceMs: 500, graceMs: 500, retainMs: 2_000 },
    (v) => v.status,
    aggregates,
  );

/** A record as generated: no offset yet; `value` undefined for a tombstone, null for garbage. */
const record = fc.record({
  key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  value: fc.option(
    fc.option(
      fc.record({ status: fc.constantFrom('up', 'down'), n: fc.integer({ min: 0, max: 9 }) }),
      { nil: null },
    ),
    { nil: undefined, freq: 5 },
  ),
  step: fc.integer({ min: -900, max: 400 }),
});
/** Per partition, batches of records; and the order in which the partitions' batches arrive. */
const log = fc.record({
  partitions: fc.tuple(
    fc.array(fc.array(record, { minLength: 1, maxLength: 6 }), { maxLength: 6 }),
    fc.array(fc.array(record, { minLength: 1, maxLength: 6 }), { maxLength: 6 }),
  ),
  order: fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 24 }),
  cut: fc.nat(),
});

interface Generated {
  readonly key: string;
  readonly value: Row | null | undefined;
  readonly step: number;
}

/**
 * Kafka batches of one partition, with offsets and times (times wander, some go back). Keys are
 * the partition's own, as a producer's partitioner places them.
 */
function batches(partition: number, generated: Generated[][]): RecordBatch[] {
  let offset = 0;
  let time = 10_000;
  return generated.map((records) => {
    const raw: RawRecord[] = records.map((r) => {
      time = Math.max(0, time + r.step);
      return {
        offset: offset++,
        timestamp: time,
        key: enc.encode(`${partition}/${r.key}`),
        value:
          r.value === undefined
            ? null
            : r.value === null
              ? enc.encode('not json{')
              : enc.encode(JSON.stringify(r.value)),
      };
    });
    return { partition, records: raw, nextOffset: offset };
  });
}

/** The partitions' batches interleaved as `order` says, each partition's in its own order. */
function interleave(all: RecordBatch[][], order: number[]): RecordBatch[] {
  const next = all.map(() => 0);
  const out: RecordBatch[] = [];
  for (const p of [...order, ...all.flatMap((b, p) => b.map(() => p))]) {
    const batch = all[p]![next[p]!];
    if (batch === undefined) continue;
    next[p]!++;
    out.push(batch);
  }
  return out;
}

const entries = <V>(state: TableState<V>) => new Map(state.entries());

for (const [name, make] of [
  ['group-by', groupBy as () => TableState<unknown>],
  ['windowed', windowed as () => TableState<unknown>],
] as const) {
  describe(`${name} table state`, () => {
    it('reaches the same rows whatever order the partitions are read in', () => {
      fc.assert(
        fc.property(log, fc.array(fc.integer({ min: 0, max: 1 })), (l, otherOrder) => {
          const all = l.partitions.map((b, p) => batches(p, b));
          const one = make();
          const two = make();
          for (const batch of interleave(all, l.order)) one.apply(batch, undefined);
          for (const batch of interleave(all, otherOrder)) two.apply(batch, undefined);
          expect(entries(one)).toEqual(entries(two));
        }),
      );
    });

    it('tells a client at any position exactly what changed since: its map plus the changes equals the table', () => {
      fc.assert(
        fc.property(log, (l) => {
          const all = l.partitions.map((b, p) => batches(p, b));
          const state = make();
          const sequence = interleave(all, l.order);
          const cut = l.cut % (sequence.length + 1);
          for (const batch of sequence.slice(0, cut)) state.apply(batch, undefined);
          const position = [...state.positions];
          const client = entries(state);
          for (const batch of sequence.slice(cut)) state.apply(batch, undefined);
          const since = state.changesSince(position)!;
          for (const key of since.deletes) client.delete(key);
          for (const [key, value] of since.sets) client.set(key, value);
          expect(client).toEqual(entries(state));
        }),
      );
    });
  });
}

describe('group-by table state', () => {
  it('takes back the contributions of a partition whose log was truncated under the table', () => {
    const state = groupBy();
    const rec = (offset: number, key: string, value: Row): RawRecord => ({
      offset,
      timestamp: 0,
      key: enc.encode(key),
      value: enc.encode(JSON.stringify(value)),
    });
    state.apply(
      { partition: 0, records: [rec(0, 'a', { status: 'up', n: 1 })], nextOffset: 1 },
      undefined,
    );
    state.apply(
      { partition: 1, records: [rec(0, 'b', { status: 'up', n: 2 })], nextOffset: 1 },
      undefined,
    );
    expect(state.get('up')).toEqual({ count: 2, total: 3, low: 1 });
    // Partition 0 now starts at 5: key a may be gone from the log.
    const rebuilt = state.apply(
      {
        partition: 0,
        records: [rec(5, 'c', { status: 'down', n: 4 })],
        nextOffset: 6,
        fetchOffset: 5,
      },
      undefined,
    );
    expect(rebuilt).toBe(true);
    expect(entries(state)).toEqual(
      new Map([
        ['up', { count: 1, total: 2, low: 2 }],
        ['down', { count: 1, total: 4, low: 4 }],
      ]),
    );
  });

  it('counts a value that does not decode and keeps what the key contributed before', () => {
    const rejected: unknown[] = [];
    const state = new GroupByTableState<Row>(
      { ...context(), onRejected: (r) => rejected.push(r.key) },
      json<Row>(),
      (v) => v.status,
      aggregates,
    );
    const records: RawRecord[] = [
      { offset: 0, timestamp: 0, key: enc.encode('a'), value: enc.encode('{"status":"up","n":3}') },
      { offset: 1, timestamp: 0, key: enc.encode('a'), value: enc.encode('nope') },
    ];
    state.apply({ partition: 0, records, nextOffset: 2 }, undefined);
    expect(entries(state)).toEqual(new Map([['up', { count: 1, total: 3, low: 3 }]]));
    expect(state.valueDecodeErrors).toBe(1);
    expect(rejected).toEqual(['a']);
  });
});
