import { describe, expect, it } from 'vitest';
import { json } from '../../../shared/src/codecs/json.js';
import { superjsonCodec } from '../../../shared/src/codecs/superjson.js';
import { utf8 } from '../../../shared/src/codecs/utf8.js';
import type { RawRecord, RecordBatch } from '../source/kafka-source.js';
import type { TableChange } from '../table-types.js';
import type { StreamRow } from './stream-row.js';
import { StreamState, type StreamStateOptions } from './stream-state.js';

const enc = new TextEncoder();
const rec = (
  offset: number,
  value: unknown,
  timestamp = offset * 1000,
  extra: Partial<RawRecord> = {},
): RawRecord => ({
  offset,
  timestamp,
  key: enc.encode(`k${offset}`),
  value: value === null ? null : enc.encode(JSON.stringify(value)),
  ...extra,
});
const batch = (partition: number, records: RawRecord[]): RecordBatch => ({
  partition,
  records,
  nextOffset: (records.at(-1)?.offset ?? -1) + 1,
});

function fresh(options: Partial<StreamStateOptions<unknown>> = {}) {
  const state = new StreamState<unknown>(
    {
      keyCodec: utf8(),
      valueCodec: json<StreamRow<unknown>>(),
      tombstoneHistory: 10,
      maxValueBytes: 1024,
      onRejected: () => {},
    },
    { valueCodec: json(), limit: 3, ...options },
  );
  state.positions[0] = 0;
  state.positions[1] = 0;
  state.tombstones.horizon[0] = 0;
  state.tombstones.horizon[1] = 0;
  return state;
}
const ids = (state: StreamState<unknown>) => [...state.keys()].sort();

describe('StreamState', () => {
  it('keeps each record as a row under "<partition>:<offset>", headers as text when asked', () => {
    const state = fresh({ headers: true });
    const headers = [
      { key: 'trace', value: enc.encode('abc') },
      { key: 'empty', value: null },
    ];
    state.apply(batch(1, [rec(0, { n: 1 }, 1234, { headers }), rec(1, null)]), undefined);
    expect(state.get('1:0')).toEqual({
      key: 'k0',
      value: { n: 1 },
      timestamp: 1234,
      partition: 1,
      offset: 0,
      headers: [
        ['trace', 'abc'],
        ['empty', null],
      ],
    });
    expect(state.get('1:1')).toMatchObject({ key: 'k1', value: null, offset: 1, headers: [] });
  });

  it('keeps keyless records with a null key and carries superjson values', () => {
    const state = new StreamState<unknown>(
      {
        keyCodec: utf8(),
        valueCodec: json(),
        tombstoneHistory: 10,
        maxValueBytes: 1024,
        onRejected: () => {},
      },
      { valueCodec: superjsonCodec(), limit: 3 },
    );
    const when = new Date(5);
    state.apply(
      batch(0, [{ offset: 0, timestamp: 7, key: null, value: superjsonCodec().encode({ when }) }]),
      undefined,
    );
    expect(state.get('0:0')).toEqual({
      key: null,
      value: { when },
      timestamp: 7,
      partition: 0,
      offset: 0,
    });
  });

  it('counts and skips values that do not decode', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 1), { ...rec(1, 1), value: enc.encode('{nope') }]), undefined);
    expect(ids(state)).toEqual(['0:0']);
    expect(state.valueDecodeErrors).toBe(1);
  });

  it('evicts the oldest arrival first, each eviction a delete at the record that caused it', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'a'), rec(1, 'b')]), undefined);
    state.apply(batch(1, [rec(0, 'c')]), undefined);
    const changes: TableChange<StreamRow<unknown>>[] = [];
    state.apply(batch(0, [rec(2, 'd'), rec(3, 'e')]), changes);
    expect(ids(state)).toEqual(['0:2', '0:3', '1:0']);
    expect(
      changes.map((c) => [c.key, c.deleted ? 'delete' : 'set', c.partition, c.offset]),
    ).toEqual([
      ['0:0', 'delete', 0, 2],
      ['0:2', 'set', 0, 2],
      ['0:1', 'delete', 0, 3],
      ['0:3', 'set', 0, 3],
    ]);
    // The evicted rows' partition cannot be resumed from before them any more.
    expect(state.tombstones.horizon).toEqual([2, 0]);
  });

  it('decodes only the rows that survive a batch larger than the ring', () => {
    const state = fresh();
    const records = Array.from({ length: 10 }, (_, i) => rec(i, i));
    // Bad bytes early in the batch are never decoded: those rows could not survive it.
    records[2] = { ...records[2]!, value: enc.encode('{nope') };
    state.apply(batch(0, records), undefined);
    expect(ids(state)).toEqual(['0:7', '0:8', '0:9']);
    expect(state.valueDecodeErrors).toBe(0);
    expect(state.recordsApplied).toBe(10);
  });

  it('with retainMs, drops rows older than stream time minus it, on record time only', () => {
    const state = fresh({ limit: 100, retainMs: 2500 });
    state.apply(batch(0, [rec(0, 'a', 1000), rec(1, 'b', 2000), rec(2, 'c', 3000)]), undefined);
    expect(ids(state)).toEqual(['0:0', '0:1', '0:2']);
    state.apply(batch(1, [rec(0, 'x', 4000)]), undefined);
    expect(ids(state)).toEqual(['0:1', '0:2', '1:0']);
    expect(state.streamTime).toBe(4000);
    // A record already older than the cutoff when it arrives is not kept.
    state.apply(batch(1, [rec(1, 'late', 500)]), undefined);
    expect(ids(state)).toEqual(['0:1', '0:2', '1:0']);
  });

  it('I15: a resume from before an evicted row is a reset; from after it, a resume', () => {
    const state = fresh();
    state.apply(batch(0, [rec(0, 'a'), rec(1, 'b')]), undefined);
    const early = [...state.positions];
    state.apply(batch(0, [rec(2, 'c')]), undefined);
    const recent = [...state.positions];
    state.apply(batch(0, [rec(3, 'd')]), undefined); // evicts 0:0, which `early` had seen
    const fromRecent = state.openView(state.positions, { since: recent });
    expect(fromRecent.mode).toBe('resume');
    fromRecent.close();
    const fromEarly = state.openView(state.positions, { since: early });
    expect(fromEarly.mode).toBe('resume');
    fromEarly.close();
    state.apply(batch(0, [rec(4, 'e'), rec(5, 'f')]), undefined); // evicts 0:1 and 0:2
    const stale = state.openView(state.positions, { since: early });
    expect(stale.mode).toBe('reset');
    stale.close();
    const stillRecent = state.openView(state.positions, { since: recent });
    expect(stillRecent.mode).toBe('resume');
    stillRecent.close();
  });
});
