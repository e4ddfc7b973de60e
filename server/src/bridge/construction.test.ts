import { describe, expect, it } from 'vitest';
import { codecs } from '../../../shared/src/codecs/index.js';
import { KafkaTable } from '../kafka-table.js';
import type { KafkaTableOptions } from '../kafka-table-options.js';
import type { BridgeOptions } from './bridge-options.js';
import { createBridge } from './create-bridge.js';

const table = () =>
  new KafkaTable({ brokers: ['127.0.0.1:1'], topic: 'flags', valueCodec: codecs.json() });
const bridge = (extra: Partial<BridgeOptions>) => () =>
  createBridge({ tables: { flags: table() }, ...extra } as BridgeOptions);
const kafkaTable = (extra: Partial<KafkaTableOptions<unknown>>) => () =>
  new KafkaTable({ brokers: ['127.0.0.1:1'], topic: 'flags', valueCodec: codecs.json(), ...extra });

describe('createBridge rejects bad options at construction', () => {
  it.each<[string, Partial<BridgeOptions>, RegExp]>([
    ['no tables', { tables: {} }, /at least one table/],
    ['a table name with a slash', { tables: { 'a/b': table() } }, /must be 1-256/],
    ['a non-function authorize', { authorize: 'yes' as never }, /authorize must be a function/],
    ['a zero part size', { snapshotPartSize: 0 }, /snapshotPartSize/],
    ['a fractional budget', { slowClientBytes: 1.5 }, /slowClientBytes/],
    ['a negative rate', { controlMessagesPerSecond: -1 }, /controlMessagesPerSecond/],
    ['a zero connection cap', { maxConnections: 0 }, /maxConnections/],
    ['a zero per-address cap', { maxConnectionsPerAddress: 0 }, /maxConnectionsPerAddress/],
    ['re-authorization without authorize', { reauthorizeIntervalMs: 1_000 }, /needs an authorize/],
    ['both ops hooks', { opsToken: 'x'.repeat(16), authorizeOps: () => true }, /not both/],
    ['a short ops token', { opsToken: 'short' }, /at least 16/],
  ])('%s', (_, extra, message) => {
    expect(bridge(extra)).toThrow(message);
  });

  it('accepts fractional rates below one message per second', () => {
    expect(bridge({ controlMessagesPerSecond: 0.5 })).not.toThrow();
  });
});

describe('KafkaTable rejects bad options at construction', () => {
  it.each<[string, Partial<KafkaTableOptions<unknown>>, RegExp]>([
    ['no value codec', { valueCodec: undefined as never }, /valueCodec/],
    [
      'a key codec without decode',
      { keyCodec: { name: 'k', encode: () => new Uint8Array() } as never },
      /keyCodec/,
    ],
    ['an invalid topic name', { topic: 'no spaces allowed' }, /topic/i],
    ['brokers and kafka both', { kafka: {} as never }, /not both/],
    ['a zero catch-up timeout', { catchupTimeoutMs: 0 }, /catchupTimeoutMs/],
    ['a fractional partition count', { numPartitions: 1.5 }, /numPartitions/],
    ['a zero tombstone history', { tombstoneHistory: 0 }, /tombstoneHistory/],
    ['a fractional value limit', { maxValueBytes: 0.5 }, /maxValueBytes/],
    ['a zero key limit', { maxKeyBytes: 0 }, /maxKeyBytes/],
    ['an unknown mismatch mode', { onPolicyMismatch: 'ignore' as never }, /onPolicyMismatch/],
  ])('%s', (_, extra, message) => {
    expect(kafkaTable(extra)).toThrow(message);
  });

  it('needs brokers or kafka to ensure the topic', () => {
    expect(
      () => new KafkaTable({ topic: 'flags', valueCodec: codecs.json(), source: {} as never }),
    ).toThrow(/ensureTopic needs brokers/);
  });
});
