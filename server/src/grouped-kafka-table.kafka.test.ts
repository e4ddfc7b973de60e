import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultCompositeKeyCodec as codec } from '../../shared/src/codecs/composite-key.js';
import { json } from '../../shared/src/codecs/json.js';
import { Cleanup } from '../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { interopPython } from '../../test/python-env.js';
import { runPythonJson } from '../../test/python-interop.js';
import { ensureTopic } from './ensure-topic.js';
import { type GroupedChange, GroupedKafkaTable } from './grouped-kafka-table.js';
import { GroupedKafkaTableWriter } from './grouped-kafka-table-writer.js';
import { KafkaTable } from './kafka-table.js';
import { KafkaTableWriter } from './kafka-table-writer.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeAll(() => interopPython(), 600_000);
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

// Group names that tell code points from UTF-16 units: astral emoji, a ZWJ sequence (three code
// points), combining marks, the separator itself, a name that looks like an encoded key.
const GROUPS = ['🚀 launch', '👩‍💻', 'e\u0301quipe', 'a', 'a1', '', ':', '1:a', '𝔘𝔫𝔦'] as const;

type Nested = Record<string, Record<string, unknown>>;

function table(topic: string) {
  return cleanup.add(
    new GroupedKafkaTable(
      new KafkaTable({ brokers: brokers(), topic, valueCodec: json(), logger: quiet }),
    ),
    (t) => t.stop(),
  );
}

async function writer(topic: string) {
  const w = cleanup.add(
    new GroupedKafkaTableWriter(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: json() }),
    ),
    (x) => x.stop(),
  );
  await w.start();
  return w;
}

const plain = (view: Map<string, Map<string, unknown>>): Nested =>
  Object.fromEntries([...view].map(([g, members]) => [g, Object.fromEntries(members)]));

/** Every group gets two members, then one member of 'a1' and all of 'a' are deleted. */
function ops(): Array<[string, string, unknown] | [string, string]> {
  const out: Array<[string, string, unknown] | [string, string]> = [];
  for (const [i, group] of GROUPS.entries()) {
    out.push([group, `m-${i}`, { n: i, tag: `${group}✓` }]);
    out.push([group, '🔑 é', { n: 100 + i, nested: { list: [1, 'ü'] } }]);
  }
  out.push(['a1', 'm-4'], ['a', 'm-3'], ['a', '🔑 é']);
  return out;
}

function expected(): Nested {
  const view: Nested = {};
  for (const op of ops()) {
    const [group, member] = op;
    if (op.length === 3) (view[group] ??= {})[member] = op[2];
    else {
      delete view[group]?.[member];
      if (view[group] && Object.keys(view[group]).length === 0) delete view[group];
    }
  }
  return view;
}

describe('grouped tables interoperate with Python ktables', () => {
  it('encodes and decodes keys exactly as ktables default codec does', async () => {
    // Graphemes: astral emoji, ZWJ sequences and combining marks among them.
    const strings = fc.sample(fc.string({ unit: 'grapheme', maxLength: 8 }), {
      numRuns: 600,
      seed: 42,
    });
    const pairs = strings.slice(0, 300).map((g, i) => [g, strings[300 + i]!] as [string, string]);
    pairs.push(...GROUPS.map((g) => [g, 'm'] as [string, string]));
    const encoded = pairs.map(([g, m]) => codec.encode(g, m));
    // Foreign and malformed keys, and keys with digits, separators and astral text in odd places.
    const keys = [
      ...encoded,
      ...fc.sample(fc.string({ unit: 'grapheme', maxLength: 10 }), { numRuns: 200, seed: 7 }),
      ...fc.sample(
        fc
          .tuple(
            fc.nat(30),
            fc.constantFrom(':', '::', ''),
            fc.string({ unit: 'grapheme', maxLength: 6 }),
          )
          .map(([n, sep, rest]) => `${n}${sep}${rest}`),
        { numRuns: 200, seed: 9 },
      ),
      ...['01:ab', '3:ab', '2:🚀', '١:a', '-1:a', '0:', '1::', '', '99999999999999999999:x'],
    ];
    const python = await runPythonJson<{
      decoded: Array<[string, string] | null>;
      encoded: string[];
    }>('ktables_grouped.py', ['codec'], { keys, pairs });
    expect(encoded).toEqual(python.encoded);
    expect(keys.map((k) => codec.decode(k) ?? null)).toEqual(python.decoded);
  });

  it('reads what ktables wrote: groups, members, deletes, foreign keys', async () => {
    const topic = uniqueTopic('grouped-py-write');
    await ensureTopic({ brokers: brokers(), topic, logger: quiet });
    const written = await runPythonJson<{ written: number }>('ktables_grouped.py', ['write'], {
      brokers: brokers().join(','),
      topic,
      ops: ops(),
    });
    expect(written.written).toBe(ops().length);
    const flat = cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: json() }),
      (w) => w.stop(),
    );
    await flat.start();
    await flat.set('not-a-composite-key', 1);

    const grouped = table(topic);
    await grouped.start();
    expect(grouped.status).toBe('caught_up');
    expect(plain(grouped.snapshot())).toEqual(expected());
    expect(grouped.groups().sort()).toEqual(Object.keys(expected()).sort());
    expect(grouped.hasGroup('a')).toBe(false);
    expect(grouped.get('👩‍💻', '🔑 é')).toEqual({ n: 101, nested: { list: [1, 'ü'] } });
    expect(grouped.members('a1')).toEqual(
      new Map([['🔑 é', { n: 104, nested: { list: [1, 'ü'] } }]]),
    );
    expect(grouped.foreignKeys).toBe(1);
  });

  it('writes what ktables reads, byte for byte', async () => {
    const topic = uniqueTopic('grouped-ts-write');
    await ensureTopic({ brokers: brokers(), topic, logger: quiet });
    const w = await writer(topic);
    for (const op of ops()) {
      if (op.length === 3) await w.set(op[0], op[1], op[2]);
      else await w.delete(op[0], op[1]);
    }
    const flat = cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: json() }),
      (x) => x.stop(),
    );
    await flat.start();
    await flat.set('9:short', 'foreign');
    const python = await runPythonJson<{ groups: Nested; foreignKeys: number }>(
      'ktables_grouped.py',
      ['read'],
      { brokers: brokers().join(','), topic },
    );
    expect(python.groups).toEqual(expected());
    expect(python.foreignKeys).toBe(1);
  });
});

describe('GroupedKafkaTable', () => {
  it('keeps its per-group index from the changes; a group goes with its last member', async () => {
    const topic = uniqueTopic('grouped-index');
    const grouped = table(topic);
    expect(() => grouped.members('x')).toThrow(
      expect.objectContaining({ code: 'TABLE_NOT_STARTED' }),
    );
    await grouped.start();
    const w = await writer(topic);
    const seen: GroupedChange<unknown>[] = [];
    grouped.onChanges((changes) => seen.push(...changes));
    await w.set('eu', 'svc-1', { up: true });
    await w.set('eu', 'svc-2', { up: false });
    const last = await w.set('us', 'svc-1', { up: true });
    expect(await grouped.waitFor(last, 10_000)).toBe(true);
    const copy = grouped.members('eu');
    expect(copy).toEqual(
      new Map([
        ['svc-1', { up: true }],
        ['svc-2', { up: false }],
      ]),
    );
    expect(grouped.memberCount('eu')).toBe(2);

    await w.delete('eu', 'svc-1');
    await w.deleteGroup('us', grouped);
    expect(await grouped.barrier(10_000)).toBe(true);
    expect(grouped.groups()).toEqual(['eu']);
    expect(grouped.has('eu', 'svc-1')).toBe(false);
    expect(copy.size).toBe(2); // a copy, not a live view
    expect(seen.at(-1)).toEqual({ group: 'us', member: 'svc-1', deleted: true });
    expect(seen).toContainEqual({
      group: 'eu',
      member: 'svc-2',
      deleted: false,
      value: { up: false },
    });

    // Wrapping a table that is already running indexes what it holds.
    const late = new GroupedKafkaTable(grouped.table);
    expect(plain(late.snapshot())).toEqual({ eu: { 'svc-2': { up: false } } });
  });
});
