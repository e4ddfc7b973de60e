import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BridgeConfigError, parseBridgeConfig, tablesFromConfig } from '../bridge/bridge-config.js';

const groupBy = {
  kind: 'group-by',
  topic: 'orders',
  groupBy: 'status',
  aggregates: { count: 'count', total: { op: 'sum', field: 'order.amount' } },
};
const windowed = {
  kind: 'windowed',
  topic: 'events',
  groupBy: 'service',
  window: { sizeMs: 60_000, advanceMs: 30_000, graceMs: 10_000, retainMs: 600_000 },
  aggregates: { count: 'count' },
};

const parse = (table: object) => () => parseBridgeConfig({ tables: { t: table } });

describe('aggregate tables in the tablecast serve config file', () => {
  it('accepts the README example', () => {
    const raw: unknown = JSON.parse(
      readFileSync(new URL('../../../docs/snippets/aggregates.json', import.meta.url), 'utf8'),
    );
    expect(() => parseBridgeConfig(raw)).not.toThrow();
  });

  it('accepts group-by and windowed tables next to plain ones, and builds a table for each', () => {
    const config = parseBridgeConfig({
      tables: { plain: { topic: 'flags' }, byStatus: groupBy, perMinute: windowed },
    });
    const tables = tablesFromConfig(config, { brokers: ['127.0.0.1:9092'] });
    expect(Object.keys(tables)).toEqual(['plain', 'byStatus', 'perMinute']);
    expect(tables.perMinute!.topic).toBe('events');
  });

  it.each([
    [{ ...groupBy, writable: true }, /unknown field "tables\.t\.writable" for kind "group-by"/],
    [{ ...groupBy, groupBy: 'a..b' }, /tables\.t\.groupBy must be a field path/],
    [{ ...groupBy, aggregates: {} }, /tables\.t\.aggregates must name at least one/],
    [{ ...groupBy, aggregates: { n: 'median' } }, /tables\.t\.aggregates\.n: op must be one of/],
    [{ ...groupBy, aggregates: { n: 'sum' } }, /"sum" needs a "field"/],
    [{ ...groupBy, aggregates: { n: { op: 'max', field: 1 } } }, /n\.field must be a field path/],
    [{ ...groupBy, value: 'bytes' }, /value must be "json" or "superjson"/],
    [{ ...windowed, window: undefined }, /tables\.t\.window must be an object/],
    [{ ...windowed, window: { advanceMs: 10 } }, /window\.sizeMs is required/],
    [{ ...windowed, window: { sizeMs: 1_000, advanceMs: 2_000 } }, /advanceMs must not exceed/],
    [{ ...windowed, window: { sizeMs: 1_000, graceMs: 5_000 } }, /graceMs must not exceed/],
    [{ ...windowed, window: { sizeMs: 1.5 } }, /window\.sizeMs must be an integer/],
    [
      { ...windowed, window: { sizeMs: 1_000, every: 1 } },
      /unknown field "tables\.t\.window\.every"/,
    ],
    [{ ...windowed, aggregates: { start: 'count' } }, /aggregates\.start: the name is taken/],
    [{ ...windowed, numPartitions: 3 }, /unknown field "tables\.t\.numPartitions"/],
  ])('rejects %j with a BridgeConfigError that names the field', (table, message) => {
    expect(parse(table)).toThrow(BridgeConfigError);
    expect(parse(table)).toThrow(message);
  });
});
