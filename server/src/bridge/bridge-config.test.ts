import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bridgeLimitsFromConfig, parseBridgeConfig, writersFromConfig } from './bridge-config.js';
import { BRIDGE_LIMITS } from './bridge-options.js';

const tables = { flags: { topic: 'flags' } };

describe('the tablecast serve config file', () => {
  it('accepts the README example', () => {
    const raw: unknown = JSON.parse(
      readFileSync(new URL('../../../docs/snippets/tablecast.json', import.meta.url), 'utf8'),
    );
    expect(() => parseBridgeConfig(raw)).not.toThrow();
  });

  it('sets every bridge limit that createBridge takes', () => {
    const raw = { tables, ...Object.fromEntries(BRIDGE_LIMITS.map((key, i) => [key, i + 1])) };
    expect(bridgeLimitsFromConfig(parseBridgeConfig(raw))).toEqual({
      maxMessageBytes: 1,
      maxSubscriptionsPerConnection: 2,
      heartbeatIntervalMs: 3,
      snapshotPartSize: 4,
      slowClientBytes: 5,
      slowClientTimeoutMs: 6,
      behindTimeoutMs: 7,
      maxWritesPerSecond: 8,
      writeTimeoutMs: 9,
      controlMessageBurst: 10,
      maxConnections: 11,
      goawaySpreadMs: 12,
    });
    expect(bridgeLimitsFromConfig(parseBridgeConfig({ tables }))).toEqual({});
  });

  it('sets the access and fairness options, with the ops token from the environment first', () => {
    const config = parseBridgeConfig({
      tables,
      controlMessagesPerSecond: 5,
      maxConnectionsPerAddress: 3,
      reauthorizeIntervalMs: 60_000,
      revealForbiddenTables: true,
      opsToken: 'from-file',
    });
    expect(bridgeLimitsFromConfig(config)).toEqual({
      controlMessagesPerSecond: 5,
      maxConnectionsPerAddress: 3,
      reauthorizeIntervalMs: 60_000,
      revealForbiddenTables: true,
      opsToken: 'from-file',
    });
    expect(bridgeLimitsFromConfig(config, { TABLECAST_OPS_TOKEN: 'from-env' }).opsToken).toBe(
      'from-env',
    );
    expect(() => parseBridgeConfig({ tables, revealForbiddenTables: 'yes' })).toThrow(
      /revealForbiddenTables/,
    );
    expect(() => parseBridgeConfig({ tables, opsToken: '' })).toThrow(/opsToken/);
  });

  it('makes a writer for every table marked writable, with the table codec', () => {
    const config = parseBridgeConfig({
      tables: { flags: { topic: 'flags', writable: true }, audit: { topic: 'audit' } },
    });
    const writers = writersFromConfig(config, { brokers: ['127.0.0.1:9092'] });
    expect(Object.keys(writers)).toEqual(['flags']);
    expect(writers.flags!.topic).toBe('flags');
    expect(writers.flags!.valueCodec.name).toBe('json');
    expect(() => parseBridgeConfig({ tables: { t: { topic: 't', writable: 'yes' } } })).toThrow(
      /tables\.t\.writable must be true or false/,
    );
  });

  it('names an unknown field, at the top and in a table', () => {
    expect(() => parseBridgeConfig({ tables, maxMesageBytes: 1 }, 'x.json')).toThrow(
      /x\.json: unknown field "maxMesageBytes"\. Known: .*maxMessageBytes/,
    );
    expect(() => parseBridgeConfig({ tables: { flags: { topic: 't', parts: 2 } } })).toThrow(
      /unknown field "tables\.flags\.parts"/,
    );
  });

  it('rejects a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, '65536', null]) {
      expect(() => parseBridgeConfig({ tables, maxMessageBytes: bad })).toThrow(
        /"maxMessageBytes" must be a positive integer/,
      );
    }
  });

  it('rejects mistyped table options, naming them', () => {
    const table = (extra: object) => ({ tables: { t: { topic: 't', ...extra } } });
    expect(() => parseBridgeConfig(table({ numPartitions: 0 }))).toThrow(
      /tables\.t\.numPartitions/,
    );
    expect(() => parseBridgeConfig(table({ ensureTopic: 'yes' }))).toThrow(
      /tables\.t\.ensureTopic/,
    );
    expect(() => parseBridgeConfig(table({ onPolicyMismatch: 'fix' }))).toThrow(
      /tables\.t\.onPolicyMismatch must be one of warn, raise, reconcile/,
    );
    expect(() => parseBridgeConfig(table({ maxKeyBytes: 1.5 }))).toThrow(
      /tables\.t\.maxKeyBytes must be a positive integer/,
    );
  });
});
