import type { JavaRecord, JavaStep } from './java-producer.js';

/**
 * Test data that compresses (repeated text, as real JSON does) and exercises a table: keys
 * written twice, some deleted, some with headers.
 */
export function keyedRecords(
  prefix: string,
  keys: number,
  round: number,
  { from = 0, textRepeat = 4 } = {},
): JavaRecord[] {
  const records: JavaRecord[] = [];
  for (let i = from; i < from + keys; i++) {
    const key = `${prefix}-${i}`;
    records.push({
      key,
      value: JSON.stringify({ key, round, text: 'the quick brown fox '.repeat(textRepeat) }),
      ...(i % 3 === 0 ? { headers: { source: 'java', round: String(round) } } : {}),
    });
  }
  return records;
}

/** Tombstones for every `every`-th key. */
export function tombstones(prefix: string, keys: number, every: number): JavaRecord[] {
  const records: JavaRecord[] = [];
  for (let i = 0; i < keys; i += every) records.push({ key: `${prefix}-${i}`, value: null });
  return records;
}

/** What a table must hold and count after reading `steps` (aborted ones never happened). */
export interface Expected {
  readonly map: Map<string, string>;
  readonly records: number;
  readonly tombstones: number;
}

export function expectedFrom(steps: readonly JavaStep[]): Expected {
  const map = new Map<string, string>();
  let records = 0;
  let tombstoneCount = 0;
  for (const step of steps) {
    if (step.end === 'abort' || step.end === 'open') continue;
    for (const { key, value } of step.records) {
      records++;
      if (key === null) continue;
      if (value === null) {
        tombstoneCount++;
        map.delete(key);
      } else {
        map.set(key, value);
      }
    }
  }
  return { map, records, tombstones: tombstoneCount };
}
