import { describe, expect, it } from 'vitest';
import { codecs } from '../../shared/src/codecs/index.js';
import { createTableState } from './create-table-state.js';
import { DEFAULT_MAX_KEY_BYTES } from './size-capped-key-codec.js';
import type { RawRecord } from './source/kafka-source.js';
import type { StreamRow } from './stream/stream-row.js';
import { StreamState } from './stream/stream-state.js';
import type { TableKind } from './table-kind.js';

const enc = new TextEncoder();
const rec = (offset: number, key: string, value: string | null): RawRecord => ({
  offset,
  timestamp: offset,
  key: enc.encode(key),
  value: value === null ? null : enc.encode(JSON.stringify(value)),
});
const quiet = { warn: () => {}, error: () => {} };

describe('createTableState: keys past maxKeyBytes', () => {
  it('skips a record whose key is longer, tombstones too, counted as a key that does not decode', () => {
    const state = createTableState(
      { topic: 't', valueCodec: codecs.json<string>(), maxKeyBytes: 8 },
      undefined,
      quiet,
    );
    state.positions[0] = 0;
    const records = [
      rec(0, '12345678', 'at the limit'),
      rec(1, '123456789', 'one over'),
      rec(2, '12345678', 'kept'),
      rec(3, '12345678x', null),
    ];
    state.apply({ partition: 0, records, nextOffset: 4 }, undefined);
    expect(Object.fromEntries(state.entries())).toEqual({ '12345678': 'kept' });
    expect(state.keyDecodeErrors).toBe(2);
    expect(state.tombstonesApplied).toBe(0);
    expect(state.positions[0]).toBe(4);
  });

  it('caps keys at 1 MiB by default, in every kind of table', () => {
    expect(DEFAULT_MAX_KEY_BYTES).toBe(1024 * 1024);
    const long = 'k'.repeat(DEFAULT_MAX_KEY_BYTES + 1);
    const table = createTableState({ topic: 't', valueCodec: codecs.json() }, undefined, quiet);
    const streamKind: TableKind<StreamRow<unknown>> = {
      createState: (context) => new StreamState(context, { valueCodec: codecs.json(), limit: 10 }),
    };
    const stream = createTableState(
      { topic: 't', valueCodec: codecs.json() as never },
      streamKind,
      quiet,
    );
    for (const state of [table, stream]) {
      state.positions[0] = 0;
      state.apply({ partition: 0, records: [rec(0, long, 'v')], nextOffset: 1 }, undefined);
      expect(state.keyDecodeErrors).toBe(1);
    }
  });
});
