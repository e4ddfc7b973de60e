import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type BatchSpec,
  crc32cBitwise,
  recordBatch,
  recordsBody,
  withCrc,
} from '../../../../test/record-batches.js';
import type { RawRecord } from '../kafka-source.js';
import { Compression } from './compression.js';
import { type AbortedTransaction, decodeRecordBatches } from './record-batch.js';

const require = createRequire(import.meta.url);
const snappyjs = require('snappyjs') as { compress(data: Uint8Array): Uint8Array };
const lz4js = require('lz4js') as { compress(data: Uint8Array): Uint8Array };

const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString());
const view = (records: readonly RawRecord[]) =>
  records.map((r) => [r.offset, text(r.key), text(r.value)]);

function decode(
  batches: readonly BatchSpec[],
  fetchOffset = 0,
  aborted: AbortedTransaction[] | null = [],
) {
  return decodeRecordBatches(Buffer.concat(batches.map(recordBatch)), fetchOffset, aborted);
}

/** Kafka's Java client frames snappy the xerial way: magic, two versions, sized blocks. */
function xerialSnappy(body: Buffer): Buffer {
  const block = Buffer.from(snappyjs.compress(body));
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(block.length);
  return Buffer.concat([header, size, block]);
}

describe('decodeRecordBatches', () => {
  it('decodes keys, values, tombstones and null keys as views of the response, with offsets', () => {
    const data = recordBatch({
      baseOffset: 10,
      records: [
        { key: 'a', value: '1', headers: [['h', 'x']] },
        { key: 'b', value: null },
        { key: null, value: '' },
      ],
    });
    const { records, nextOffset } = decodeRecordBatches(data, 10, []);
    expect(view(records)).toEqual([
      [10, 'a', '1'],
      [11, 'b', null],
      [12, null, ''],
    ]);
    expect(nextOffset).toBe(13);
    expect(records[0]!.key!.buffer).toBe(data.buffer);
  });

  it('gives each record its time: base plus delta (past 32 bits too), or the broker time', () => {
    const base = Date.UTC(2026, 11, 5);
    const created = decode([
      {
        baseOffset: 0,
        firstTimestamp: base,
        records: [
          { key: 'a', value: '1', timestampDelta: 0 },
          { key: 'b', value: '2', timestampDelta: 5_000_000_000 },
          { key: 'c', value: '3', timestampDelta: -7 },
        ],
      },
    ]);
    expect(created.records.map((r) => r.timestamp)).toEqual([base, base + 5_000_000_000, base - 7]);
    const appended = decode([
      {
        baseOffset: 0,
        firstTimestamp: base,
        logAppendTime: base + 99,
        records: [{ key: 'a', value: '1' }],
      },
    ]);
    expect(appended.records.map((r) => r.timestamp)).toEqual([base + 99]);
  });

  it('reads deltas of 8 to 10 bytes: producers may stamp any time up to 2^63 - 1', () => {
    const deltas = [
      2 ** 49,
      -(2 ** 52),
      2 ** 53 + 2,
      2 ** 62,
      -(2 ** 62),
      2 ** 63 - 1024,
      -(2 ** 63),
    ];
    const { records } = decode([
      {
        baseOffset: 0,
        firstTimestamp: 0,
        records: deltas.map((timestampDelta) => ({ key: 'k', value: 'v', timestampDelta })),
      },
    ]);
    expect(records.map((r) => r.timestamp)).toEqual(deltas);
    // The fields after the time are read from the right place.
    expect(records.map((r) => r.offset)).toEqual(deltas.map((_, i) => i));
  });

  it('decodes headers only when asked, keeping later fields intact', () => {
    const batch = recordBatch({
      baseOffset: 0,
      records: [
        {
          key: 'a',
          value: '1',
          headers: [
            ['trace', 'x1'],
            ['é', ''],
          ],
        },
        { key: 'b', value: null, headers: [] },
        { key: 'c', value: '3' },
      ],
    });
    expect(decodeRecordBatches(batch, 0, []).records[0]!.headers).toBeUndefined();
    const { records } = decodeRecordBatches(batch, 0, [], { headers: true });
    expect(view(records)).toEqual([
      [0, 'a', '1'],
      [1, 'b', null],
      [2, 'c', '3'],
    ]);
    expect(records.map((r) => r.headers!.map((h) => [h.key, text(h.value)]))).toEqual([
      [
        ['trace', 'x1'],
        ['é', ''],
      ],
      [],
      [],
    ]);
  });

  it('advances past an empty batch to baseOffset + lastOffsetDelta + 1', () => {
    // What the log cleaner leaves of an idempotent producer's last batch.
    const { records, nextOffset } = decode([
      { baseOffset: 0, records: [{ key: 'a', value: '1' }] },
      { baseOffset: 1, records: [], lastOffsetDelta: 4, producerId: 3 },
    ]);
    expect(view(records)).toEqual([[0, 'a', '1']]);
    expect(nextOffset).toBe(6);
  });

  it('skips control batches but advances past them', () => {
    const { records, nextOffset } = decode([
      { baseOffset: 0, records: [{ key: 'a', value: '1' }], producerId: 5, transactional: true },
      { baseOffset: 1, records: [], producerId: 5, control: 'commit' },
    ]);
    expect(view(records)).toEqual([[0, 'a', '1']]);
    expect(nextOffset).toBe(2);
  });

  it('skips records before the fetch offset inside the first batch', () => {
    const { records, nextOffset } = decode(
      [{ baseOffset: 0, records: ['a', 'b', 'c', 'd'].map((k) => ({ key: k, value: k })) }],
      2,
    );
    expect(view(records)).toEqual([
      [2, 'c', 'c'],
      [3, 'd', 'd'],
    ]);
    expect(nextOffset).toBe(4);
  });

  it('keeps offset gaps left by compaction', () => {
    const { records, nextOffset } = decode([
      {
        baseOffset: 100,
        records: [
          { key: 'a', value: '1', offsetDelta: 3 },
          { key: 'b', value: '2', offsetDelta: 7 },
        ],
        lastOffsetDelta: 9,
      },
    ]);
    expect(view(records)).toEqual([
      [103, 'a', '1'],
      [107, 'b', '2'],
    ]);
    expect(nextOffset).toBe(110);
  });

  it('ignores a batch cut short at the end of the response', () => {
    const whole = recordBatch({ baseOffset: 0, records: [{ key: 'a', value: '1' }] });
    const next = recordBatch({ baseOffset: 1, records: [{ key: 'b', value: '2' }] });
    for (const cut of [3, 30, next.length - 1]) {
      const data = Buffer.concat([whole, next.subarray(0, cut)]);
      const { records, nextOffset } = decodeRecordBatches(data, 0, []);
      expect(view(records)).toEqual([[0, 'a', '1']]);
      expect(nextOffset).toBe(1);
    }
  });

  it('stays at the fetch offset when nothing complete arrived', () => {
    expect(decodeRecordBatches(Buffer.alloc(0), 42, [])).toEqual({ records: [], nextOffset: 42 });
  });

  it('drops every aborted transaction of one producer and keeps its commits in between', () => {
    const txn = (baseOffset: number, keys: string[]): BatchSpec => ({
      baseOffset,
      records: keys.map((k) => ({ key: k, value: k })),
      producerId: 7,
      transactional: true,
    });
    const other = (baseOffset: number, key: string): BatchSpec => ({
      baseOffset,
      records: [{ key, value: key }],
      producerId: 8,
    });
    const { records, nextOffset } = decode(
      [
        txn(0, ['x1', 'x2']), // aborted
        other(2, 'p'),
        { baseOffset: 3, records: [], producerId: 7, control: 'abort' },
        txn(4, ['c1']), // committed
        { baseOffset: 5, records: [], producerId: 7, control: 'commit' },
        txn(6, ['y1']), // aborted again
        other(7, 'q'),
        { baseOffset: 8, records: [], producerId: 7, control: 'abort' },
        txn(9, ['c2']), // committed
        { baseOffset: 10, records: [], producerId: 7, control: 'commit' },
      ],
      0,
      [
        { producerId: 7, firstOffset: 6 },
        { producerId: 7, firstOffset: 0 },
      ],
    );
    expect(view(records).map(([, key]) => key)).toEqual(['p', 'c1', 'q', 'c2']);
    expect(nextOffset).toBe(11);
  });

  it('keeps transactional records when the aborted list is empty or null', () => {
    const batches: BatchSpec[] = [
      { baseOffset: 0, records: [{ key: 'a', value: '1' }], producerId: 7, transactional: true },
      { baseOffset: 1, records: [], producerId: 7, control: 'commit' },
    ];
    expect(view(decode(batches, 0, []).records)).toEqual([[0, 'a', '1']]);
    expect(view(decode(batches, 0, null).records)).toEqual([[0, 'a', '1']]);
  });

  it.each([
    ['gzip', Compression.gzip, (b: Buffer) => gzipSync(b)],
    [
      'snappy, raw (librdkafka)',
      Compression.snappy,
      (b: Buffer) => Buffer.from(snappyjs.compress(b)),
    ],
    ['snappy, xerial framing (Java client)', Compression.snappy, xerialSnappy],
    ['lz4 frame', Compression.lz4, (b: Buffer) => Buffer.from(lz4js.compress(b))],
  ] as const)('decompresses %s batches', (_name, codec, compress) => {
    const { records, nextOffset } = decode(
      [
        {
          baseOffset: 5,
          records: [
            { key: 'k1', value: 'one' },
            { key: 'k2', value: null },
          ],
          compression: { codec, compress },
        },
      ],
      5,
    );
    expect(view(records)).toEqual([
      [5, 'k1', 'one'],
      [6, 'k2', null],
    ]);
    expect(nextOffset).toBe(7);
  });

  it('decompresses zstd batches', () => {
    // The records below, compressed by the zstd command line tool.
    const frame = Buffer.from(
      '28b52ffd0458b1000018000000047a31087a7374640010000202047a320100f5ff44b9',
      'hex',
    );
    const spec: BatchSpec = {
      baseOffset: 0,
      records: [
        { key: 'z1', value: 'zstd' },
        { key: 'z2', value: null },
      ],
    };
    expect(recordsBody(spec).length).toBeGreaterThan(0);
    const { records } = decode([
      { ...spec, compression: { codec: Compression.zstd, compress: () => frame } },
    ]);
    expect(view(records)).toEqual([
      [0, 'z1', 'zstd'],
      [1, 'z2', null],
    ]);
  });

  it('rejects message formats before v2 with KAFKA_PROTOCOL_ERROR', () => {
    expect(() =>
      decode([{ baseOffset: 0, records: [{ key: 'a', value: '1' }], magic: 1 }]),
    ).toThrow(expect.objectContaining({ code: 'KAFKA_PROTOCOL_ERROR' }));
  });

  it('skips a batch that goes back before what the response already gave', () => {
    const { records, nextOffset } = decode([
      { baseOffset: 10, records: [{ key: 'x', value: 'new' }] },
      { baseOffset: 5, records: [{ key: 'x', value: 'stale' }] },
    ]);
    expect(view(records)).toEqual([[10, 'x', 'new']]);
    expect(nextOffset).toBe(11);
  });

  describe('rejects a corrupt batch with KAFKA_PROTOCOL_ERROR, never a loop or a runtime error', () => {
    const protocolError = expect.objectContaining({ code: 'KAFKA_PROTOCOL_ERROR' });
    const one: BatchSpec = {
      baseOffset: 0,
      records: [{ key: 'a', value: '1', headers: [['h', 'x']] }],
    };
    /** The batch with its header patched, and a CRC that matches: a broker may send those. */
    const patched = (patch: (batch: Buffer) => void) => {
      const batch = recordBatch(one);
      patch(batch);
      return withCrc(batch);
    };
    /**
     * The batch with its records' bytes patched: [length, attributes, time delta, offset delta,
     * key length, 'a', value length, '1', header count, header key length, 'h', ...].
     */
    const record = (at: number, ...bytes: number[]) =>
      recordBatch({
        ...one,
        compression: {
          codec: 0,
          compress: (body) => {
            body.set(bytes, at);
            return body;
          },
        },
      });
    it.each([
      [
        'a batch length shorter than its header, with no records',
        patched((b) => {
          b.writeInt32BE(-12, 8);
          b.writeInt32BE(0, 57);
        }),
      ],
      ['a negative last offset delta', patched((b) => b.writeInt32BE(-1, 23))],
      ['a negative record count', patched((b) => b.writeInt32BE(-1, 57))],
      ['a record offset past the batch', record(3, 10)],
      ['a key running past its record', record(4, 80)],
      ['a key length below -1', record(4, 9)],
      ['a value length below -1', record(6, 9)],
      ['a varint longer than 5 bytes', record(3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)],
      ['more headers than the record holds', record(8, 120)],
      ['a negative header key length', record(9, 3)],
    ])('%s', (_, data) => {
      expect(() => decodeRecordBatches(data, 0, [], { headers: true })).toThrow(protocolError);
    });
  });

  describe('CRC-32C', () => {
    const batches = () =>
      Buffer.concat([
        recordBatch({ baseOffset: 0, records: [{ key: 'a', value: '"one"' }] }),
        recordBatch({
          baseOffset: 1,
          records: [{ key: 'b', value: '"two"' }],
          compression: { codec: Compression.gzip, compress: (body) => gzipSync(body) },
        }),
      ]);

    it('computes the check value of the standard test vector', () => {
      // The test helper's bit-by-bit CRC, against the published check value of CRC-32C.
      expect(crc32cBitwise(Buffer.from('123456789'))).toBe(0xe3069283);
    });

    it('reads batches whose CRC matches, compressed or not', () => {
      expect(view(decodeRecordBatches(batches(), 0, []).records)).toEqual([
        [0, 'a', '"one"'],
        [1, 'b', '"two"'],
      ]);
    });

    it.each([
      ['a byte of a value', (b: Buffer) => b.indexOf('"one"') + 1],
      ['a byte of the compressed batch', (b: Buffer) => b.length - 10],
      ['the last offset delta', () => 23 + 3],
      ['the stored CRC itself', () => 17],
    ])('rejects a batch when %s changed, with KAFKA_PROTOCOL_ERROR naming the CRC', (_, at) => {
      const data = batches();
      data[at(data)]! ^= 0x20;
      expect(() => decodeRecordBatches(data, 0, [])).toThrow(
        expect.objectContaining({
          code: 'KAFKA_PROTOCOL_ERROR',
          message: expect.stringMatching(/fails its CRC check/),
        }),
      );
    });

    it('reads the changed bytes as they are with checkCrcs: false', () => {
      const data = batches();
      data[data.indexOf('"one"') + 1]! ^= 0x20;
      const { records } = decodeRecordBatches(data, 0, [], { checkCrcs: false });
      expect(view(records)).toEqual([
        [0, 'a', '"One"'],
        [1, 'b', '"two"'],
      ]);
    });
  });

  it('rejects a corrupt compressed batch with KAFKA_PROTOCOL_ERROR', () => {
    const garbage = { codec: Compression.lz4, compress: () => Buffer.from('not lz4 at all') };
    expect(() =>
      decode([{ baseOffset: 0, records: [{ key: 'a', value: '1' }], compression: garbage }]),
    ).toThrow(expect.objectContaining({ code: 'KAFKA_PROTOCOL_ERROR' }));
  });
});
