import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { murmur2, murmur2Partitioner } from './murmur2-partitioner.js';

const require = createRequire(import.meta.url);
/** kafkajs's own murmur2: right, but slow for long keys; the reference for short ones. */
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer,
) => number;

/**
 * [key, Utils.murmur2 of its UTF-8 bytes, Utils.toPositive(hash) % 7], computed with the Java
 * client of Kafka 4.1.2 (org.apache.kafka.common.utils.Utils).
 */
const JAVA: ReadonlyArray<readonly [string, number, number]> = [
  ['', 275646681, 2],
  ['a', -1563381124, 5],
  ['ab', 316155434, 0],
  ['abc', 479470107, 4],
  ['abcd', -1323649548, 5],
  ['abcde', 461995741, 4],
  ['flags', -716636951, 0],
  ['user-123', -1468255980, 0],
  ['thingäöüÄÖÜ', 215785582, 5],
  ['a much longer key with spaces and 🙂 emoji', -667295400, 0],
];

const partitions = (n: number) =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }));
const partitionOf = (message: { key?: Buffer | string | null; partition?: number }) =>
  murmur2Partitioner()({
    topic: 't',
    partitionMetadata: partitions(7) as never,
    message: { value: 'v', ...message },
  });

describe('murmur2', () => {
  it.each(JAVA)('hashes %j as the Java client does', (key, hash) => {
    expect(murmur2(Buffer.from(key))).toBe(hash);
  });

  it("hashes a 4 MiB key as the Java client does (kafkajs's hash of it takes minutes)", () => {
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    expect(murmur2(big)).toBe(1346877547);
  });

  it('agrees with kafkajs on random keys of every length up to 300 bytes', () => {
    for (let length = 0; length <= 300; length++) {
      const key = randomBytes(length);
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
  });
});

describe('murmur2Partitioner', () => {
  it.each(JAVA)('puts %j where the Java client does', (key, _, partition) => {
    expect(partitionOf({ key: Buffer.from(key) })).toBe(partition);
    expect(partitionOf({ key })).toBe(partition);
  });

  it('keeps a partition the record names, and spreads keyless records over the partitions', () => {
    expect(partitionOf({ key: 'flags', partition: 3 })).toBe(3);
    const keyless = new Set(Array.from({ length: 50 }, () => partitionOf({ key: null })));
    for (const p of keyless) expect(p).toBeGreaterThanOrEqual(0);
    for (const p of keyless) expect(p).toBeLessThan(7);
  });
});
