import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { encodeMessage } from '../../../shared/src/protocol/encode-message.js';
import type { ServerMessage } from '../../../shared/src/protocol/messages.js';
import { TablecastClientError } from '../errors.js';
import { at } from '../test/live-store.js';
import { jsonValues } from '../wire-values.js';
import { readSnapshotBody } from './snapshot-body.js';

const sub = 'http';

function lines(...messages: ServerMessage[]): string {
  return messages.map((m) => `${encodeMessage(m)}\n`).join('');
}

/** A body as the bridge streams it: begin, parts of `perPart` entries, end at offset 9. */
function bodyText(entries: Array<[string, unknown]>, perPart = 2): string {
  const messages: ServerMessage[] = [
    { type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' },
  ];
  for (let i = 0; i < entries.length; i += perPart) {
    const sets = entries.slice(i, i + perPart).map(([k, v]) => [k, [v]] as const);
    messages.push({ type: 'snapshot-part', sub, sets, deletes: [] });
  }
  messages.push({ type: 'snapshot-end', sub, position: at(9), status: 'caught_up' });
  return lines(...messages);
}

/** A stream of `bytes` cut at `cuts` (byte offsets), so lines and characters span reads. */
function streamOf(bytes: Uint8Array, cuts: number[] = []): ReadableStream<Uint8Array> {
  const ends = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const end of [...ends, bytes.length]) {
    pieces.push(bytes.slice(start, end));
    start = end;
  }
  return new ReadableStream({
    pull(controller) {
      const next = pieces.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

const read = (text: string, cuts?: number[], next?: (run: () => void) => void, max?: number) =>
  readSnapshotBody<unknown>(
    streamOf(new TextEncoder().encode(text), cuts),
    'prices',
    jsonValues,
    () => {},
    max,
    next,
  );

async function failure(text: string, cuts?: number[]): Promise<TablecastClientError> {
  const error = await read(text, cuts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TablecastClientError);
  expect((error as TablecastClientError).code).toBe('PROTOCOL');
  return error as TablecastClientError;
}

describe('readSnapshotBody (PROTOCOL.md §19)', () => {
  it('reads the same table however the body is cut into reads, multi-byte characters included', async () => {
    // Each key once, as a snapshot names it (I11).
    const entries = fc.uniqueArray(
      fc.tuple(fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }), fc.jsonValue()),
      { maxLength: 20, selector: ([key]) => key },
    );
    await fc.assert(
      fc.asyncProperty(entries, fc.array(fc.nat(4000), { maxLength: 30 }), async (es, cuts) => {
        const text = bodyText(es);
        const result = await read(text, cuts);
        // JSON round trip: what the wire carries (e.g. -0 arrives as 0).
        const expected = new Map(es.map(([k, v]) => [k, JSON.parse(JSON.stringify(v))]));
        expect(new Map(result.map)).toEqual(expected);
        expect(result.position).toEqual(at(9));
        expect(result.status).toBe('caught_up');
      }),
      { numRuns: 60 },
    );
  });

  it('reads the same table from big reads decoded in slices: lines longer and shorter than a slice, multi-byte characters', async () => {
    // Values from a few characters to ~360 KB of UTF-8: slices of 256 KiB end after a newline
    // where they hold one, and in the middle of a line (and of a character) where they do not.
    const value = fc
      .tuple(fc.constantFrom('x', 'é', '€', '😀'), fc.integer({ min: 1, max: 90_000 }))
      .map(([unit, count]) => unit.repeat(count));
    const entries = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), value), {
      minLength: 1,
      maxLength: 12,
      selector: ([key]) => key,
    });
    await fc.assert(
      fc.asyncProperty(
        entries,
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat(3_000_000), { maxLength: 3 }),
        async (es, perPart, cuts) => {
          const result = await read(bodyText(es, perPart), cuts);
          expect(new Map(result.map)).toEqual(new Map(es));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('keeps objects and arrays as text until read, and reads them once', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const result = await read(
        bodyText([
          ['a', { v: 1 }],
          ['b', [2]],
          ['c', 3],
        ]),
      );
      const texts = () => parse.mock.calls.map(([text]) => text);
      expect(texts().filter((text) => text.includes('snapshot-part'))).toEqual([]);
      expect(result.map.get('c')).toBe(3);
      const a = result.map.get('a');
      expect(a).toEqual({ v: 1 });
      expect(result.map.get('a')).toBe(a);
      expect(texts().filter((text) => text.startsWith('{"v"'))).toEqual(['{"v":1}']);
      expect(result.map.get('b')).toEqual([2]);
    } finally {
      parse.mockRestore();
    }
  });

  it('I11: refuses a body that names a key twice, across parts or in sets and deletes', async () => {
    expect(
      (
        await failure(
          bodyText([
            ['a', { v: 1 }],
            ['b', 2],
            ['a', 3],
          ]),
        )
      ).message,
    ).toContain('names key "a" twice (I11)');
    const setThenDelete = lines(
      { type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' },
      { type: 'snapshot-part', sub, sets: [['a', [1]]], deletes: [] },
      { type: 'snapshot-part', sub, sets: [], deletes: ['a'] },
      { type: 'snapshot-end', sub, position: at(9), status: 'caught_up' },
    );
    expect((await failure(setThenDelete)).message).toContain('names key "a" twice (I11)');
  });

  it('drops the parts before a snapshot-begin that restarts the snapshot', async () => {
    const text =
      lines(
        { type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' },
        { type: 'snapshot-part', sub, sets: [['stale', [1]]], deletes: [] },
      ) + bodyText([['a', 1]]);
    expect(Object.fromEntries((await read(text)).map)).toEqual({ a: 1 });
  });

  it('hands work to the next task after about a budget of characters, and decodes a big read in slices', async () => {
    const entries = Array.from({ length: 3_000 }, (_, i) => [`k${i}`, 'x'.repeat(200)] as const);
    const text = bodyText(
      entries.map(([k, v]) => [k, v]),
      500,
    );
    let tasks = 0;
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    let decoded: number[];
    let result: Awaited<ReturnType<typeof read>>;
    try {
      result = await read(text, [], (run) => {
        tasks++;
        setTimeout(run, 0);
      });
      // (The end of the body adds a decode of nothing, which flushes the decoder.)
      decoded = decode.mock.calls
        .map(([bytes]) => (bytes as Uint8Array | undefined)?.length ?? 0)
        .filter((length) => length > 0);
    } finally {
      decode.mockRestore();
    }
    expect(result.map.size).toBe(3_000);
    // ~640k characters handled and ~640k bytes decoded (a byte counts a quarter) at 256k per
    // task.
    expect(tasks).toBe(3);
    // The body came in one read: it is decoded at most 256 KiB at a time, not in one go, each
    // slice but the last ending after a newline (whole lines: none is cut to be joined again).
    expect(decoded.length).toBe(3);
    expect(Math.max(...decoded)).toBeLessThanOrEqual(256 * 1024);
    let at = 0;
    for (const length of decoded.slice(0, -1)) {
      at += length;
      expect(text[at - 1]).toBe('\n');
    }
    expect(decoded.reduce((a, b) => a + b)).toBe(new TextEncoder().encode(text).length);
  });

  it('I16: refuses a body that ends before its snapshot-end, even mid-line', async () => {
    const text = bodyText([['a', 1]]);
    const cut = text.slice(0, text.lastIndexOf('{"type":"snapshot-end"'));
    expect((await failure(cut)).message).toContain('ended before snapshot-end');
    expect((await failure(text.slice(0, -20))).message).toContain('not a bridge message');
    expect((await failure('')).message).toContain('ended before snapshot-end');
  });

  it('I16: refuses lines that a subscription without a position could not get, and lines after the end', async () => {
    const begin = { type: 'snapshot-begin', sub, table: 'prices', mode: 'reset' } as const;
    const end = { type: 'snapshot-end', sub, position: at(1), status: 'caught_up' } as const;
    const cases: Array<[string, string]> = [
      [lines({ ...begin, table: 'other' }, end), 'of table "other"'],
      [lines({ ...begin, mode: 'resume' }, end), 'begins a resume snapshot'],
      [lines({ ...begin, sub: 's1' }, end), 'not for sub "http"'],
      [lines(end), 'snapshot-end comes before its begin'],
      [lines(begin, end, end), 'lines after its snapshot-end'],
      [
        lines(begin, { type: 'delta', table: 'prices', sets: [], deletes: [], position: at(1) }),
        'delta that is not for sub',
      ],
      [lines(begin, { type: 'unsubscribed', sub }), 'holds a unsubscribed'],
      [`${encodeMessage(begin)}\n{"type":"snapshot-part"\n`, 'not a bridge message'],
      [
        lines(begin, { type: 'snapshot-part', sub, sets: [['d', [{}, { v: 1 }]]], deletes: [] }),
        'a value does not decode',
      ],
    ];
    for (const [text, message] of cases) expect((await failure(text)).message).toContain(message);
  });

  it('refuses a line longer than maxMessageBytes, ended or not, and stops reading the body', async () => {
    const text = bodyText([['a', 'x'.repeat(500)]]);
    await expect(read(text, [], undefined, 400)).rejects.toThrow(
      'a line is longer than maxMessageBytes (400)',
    );
    // A line that never ends, read by small pieces: refused once its pieces pass the bound.
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode('x'.repeat(100)));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(readSnapshotBody(endless, 'prices', jsonValues, () => {}, 1_000)).rejects.toThrow(
      'a line is longer than maxMessageBytes (1000)',
    );
    expect(pulled).toBeLessThan(15);
    expect(cancelled).toBe(true);
    expect((await read(text, [], undefined, 600)).map.size).toBe(1);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const bytes = new TextEncoder().encode(bodyText([['a', 'é']]));
    const bad = bytes.indexOf(0xc3);
    bytes[bad] = 0xff;
    const error = await readSnapshotBody(streamOf(bytes), 'prices', jsonValues, () => {}).catch(
      (e: unknown) => e,
    );
    expect((error as TablecastClientError).code).toBe('PROTOCOL');
    expect((error as TablecastClientError).message).toContain('could not be read');
  });
});
