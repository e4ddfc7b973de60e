/**
 * Deterministic test data for compacted-topic benchmarks.
 *
 * Record `i` updates key `i % keys` to revision `floor(i / keys) + 1`, so every key is written
 * about `records / keys` times with an increasing `rev`, and the last record of each key is the
 * one a table must hold after catch-up. Values are JSON objects padded to `valueBytes` UTF-8
 * bytes (ASCII only, so characters and bytes are the same count).
 */

export interface DatasetSpec {
  readonly records: number;
  readonly keys: number;
  /** Target size of each JSON value in bytes. */
  readonly valueBytes: number;
  readonly seed: number;
}

export interface BenchRecord {
  readonly index: number;
  readonly keyIndex: number;
  readonly rev: number;
  readonly key: string;
  readonly value: string;
}

export interface PayloadSummary {
  /** Distinct keys written. */
  readonly keys: number;
  /** Sum over keys of UTF-8 bytes of the key plus its latest value. */
  readonly finalPayloadBytes: number;
  readonly finalPayloadBytesPerKey: number;
  /** Sum over all records of key + value bytes (what a full replay reads). */
  readonly totalPayloadBytes: number;
}

/** mulberry32: tiny, fast, good enough for filler text. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const WORDS = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'omega',
  'sigma',
  'kappa',
  'theta',
  'zeta',
  'iota',
];

export function keyWidth(keys: number): number {
  return Math.max(6, String(Math.max(0, keys - 1)).length);
}

export function keyName(keyIndex: number, width = 6): string {
  return `key-${String(keyIndex).padStart(width, '0')}`;
}

/**
 * Yields the dataset in production order. Filler text is cut from a fixed random pool, so
 * generation costs little more than string concatenation.
 */
export function* generateRecords(spec: DatasetSpec): Generator<BenchRecord> {
  if (spec.keys < 1 || spec.records < spec.keys) {
    throw new Error(`need records >= keys >= 1 (records=${spec.records}, keys=${spec.keys})`);
  }
  const rand = prng(spec.seed);
  const poolSize = 1 << 16;
  let pool = '';
  for (let i = 0; i < poolSize; i++) pool += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  pool += pool.slice(0, 4096);
  const width = keyWidth(spec.keys);

  for (let index = 0; index < spec.records; index++) {
    const keyIndex = index % spec.keys;
    const rev = Math.floor(index / spec.keys) + 1;
    const key = keyName(keyIndex, width);
    const tagCount = 1 + ((keyIndex + rev) % 3);
    const tags: string[] = [];
    for (let t = 0; t < tagCount; t++)
      tags.push(WORDS[(keyIndex * 7 + rev * 3 + t) % WORDS.length]!);
    const head = `{"id":${keyIndex},"name":"item ${keyIndex}","rev":${rev},"tags":${JSON.stringify(tags)},"payload":"`;
    const tail = '"}';
    const fill = Math.max(0, Math.min(4096, spec.valueBytes - head.length - tail.length));
    const at = Math.floor(rand() * poolSize);
    const value = head + pool.slice(at, at + fill) + tail;
    yield { index, keyIndex, rev, key, value };
  }
}

/** Accumulates byte counts while records are produced; see {@link PayloadSummary}. */
export class PayloadTracker {
  readonly #lastBytes: Uint32Array;
  #total = 0;

  constructor(keys: number) {
    this.#lastBytes = new Uint32Array(keys);
  }

  add(record: BenchRecord): void {
    const bytes = Buffer.byteLength(record.key) + Buffer.byteLength(record.value);
    this.#lastBytes[record.keyIndex] = bytes;
    this.#total += bytes;
  }

  summary(): PayloadSummary {
    let keys = 0;
    let final = 0;
    for (const b of this.#lastBytes) {
      if (b > 0) {
        keys++;
        final += b;
      }
    }
    return {
      keys,
      finalPayloadBytes: final,
      finalPayloadBytesPerKey: keys === 0 ? 0 : final / keys,
      totalPayloadBytes: this.#total,
    };
  }
}
