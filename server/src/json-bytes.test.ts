import { describe, expect, it } from 'vitest';
import { jsonErrorAt } from './json-bytes.js';

const enc = new TextEncoder();
const accepts = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
const valid = (text: string) => jsonErrorAt(enc.encode(text)) === -1;

/** A seeded generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  ' ',
  '\n',
  '\t',
  '\r',
  '-',
  '+',
  '.',
  'e',
  'E',
  '0',
  '1',
  '9',
  'true',
  'false',
  'null',
  'tru',
  'nul',
  '\\u00e9',
  '\\u12',
  '\\x',
  '\\n',
  '\u0001',
  'é',
  '"a"',
  '"k":',
  '1.5e-3',
  '01',
  '-0',
  '1.',
  '.5',
  '1e',
  '[]',
  '{}',
  '\u2028',
  '\ufeff',
];

function sample(next: () => number, depth = 0): unknown {
  const r = next();
  if (depth > 4 || r < 0.3) {
    const s = next();
    if (s < 0.25) return Math.round((next() - 0.5) * 1e6) / (next() < 0.5 ? 1 : 1000);
    if (s < 0.5) return `s${'é"\\\n\u0001'.slice(0, Math.floor(next() * 6))}`;
    if (s < 0.75) return next() < 0.5;
    return null;
  }
  if (r < 0.65)
    return Array.from({ length: Math.floor(next() * 4) }, () => sample(next, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 4); i > 0; i--)
    o[`k${i}${next() < 0.2 ? '"' : ''}`] = sample(next, depth + 1);
  return o;
}

describe('jsonErrorAt', () => {
  it('accepts what JSON.parse accepts and rejects the rest, on hand-picked texts', () => {
    const cases = [
      '0',
      '-0',
      '1.5e+10',
      '-12.25E-3',
      '"x"',
      '""',
      'true',
      'false',
      'null',
      '[]',
      '{}',
      ' [1, {"a": [null, true]}, "\\u00e9\\n\\"\\\\\\/"] ',
      '{"a":{"b":{}}}',
      '\t1\r\n',
      '',
      ' ',
      '01',
      '1.',
      '.5',
      '+1',
      '1e',
      '1e+',
      '--1',
      '[1,]',
      '[,1]',
      '{"a"}',
      '{"a":}',
      '{"a":1,}',
      '{a:1}',
      "'a'",
      '"\u0001"',
      '"\\x41"',
      '"\\u12g4"',
      '"abc',
      '[1 2]',
      '1 2',
      'tru',
      'nulll',
      '[1]]',
      '{"a":1}}',
      '\ufeff1',
      'NaN',
      'Infinity',
      '"\\',
      '{"a" 1}',
    ];
    for (const text of cases) expect([text, valid(text)]).toEqual([text, accepts(text)]);
  });

  it('takes any depth without recursion', () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    expect(valid(deep)).toBe(true);
    expect(valid(`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`)).toBe(true);
    expect(valid(`${'['.repeat(1000)}1${']'.repeat(999)}`)).toBe(false);
  });

  it('agrees with JSON.parse on random values and on random mutations of them', () => {
    const next = random(20261205);
    for (let i = 0; i < 20_000; i++) {
      let text = JSON.stringify(sample(next), null, next() < 0.2 ? 1 : undefined);
      const edits = Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (text.length + 1));
        const cut = next() < 0.5 ? Math.floor(next() * 3) : 0;
        const piece = next() < 0.7 ? PIECES[Math.floor(next() * PIECES.length)]! : '';
        text = text.slice(0, at) + piece + text.slice(at + cut);
      }
      if (valid(text) !== accepts(text))
        expect({ text, valid: valid(text) }).toEqual({ text, valid: accepts(text) });
    }
  });

  it('points at the first byte that is wrong', () => {
    expect(jsonErrorAt(enc.encode('[1,]'))).toBe(3);
    expect(jsonErrorAt(enc.encode('{"a":1} x'))).toBe(8);
  });
});
