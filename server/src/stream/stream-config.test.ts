import { describe, expect, it } from 'vitest';
import { parseBridgeConfig, tablesFromConfig } from '../bridge/bridge-config.js';
import { StreamTable } from './stream-table.js';

const config = (table: Record<string, unknown>) => ({ tables: { events: table } });

describe('stream tables in the tablecast serve config', () => {
  it('builds a StreamTable from { "kind": "stream" } with its options', () => {
    const parsed = parseBridgeConfig(
      config({
        topic: 'events',
        kind: 'stream',
        limit: 50,
        retainMs: 60_000,
        start: { lastPerPartition: 10 },
        headers: true,
      }),
    );
    const tables = tablesFromConfig(parsed, { brokers: ['127.0.0.1:9092'] });
    expect(tables.events).toBeInstanceOf(StreamTable);
  });

  it.each([
    [{ topic: 't', kind: 'stream', limit: 0 }, 'tables.events.limit must be a positive integer'],
    [{ topic: 't', kind: 'stream', start: 'newest' }, 'tables.events.start must be "earliest"'],
    [{ topic: 't', kind: 'stream', headers: 'yes' }, 'tables.events.headers must be true or false'],
    [{ topic: 't', kind: 'stream', writable: true }, 'unknown field "tables.events.writable"'],
    [{ topic: 't', kind: 'ring' }, 'tables.events.kind must be "stream"'],
  ])('rejects %j naming the field', (table, message) => {
    expect(() => parseBridgeConfig(config(table))).toThrow(message);
  });
});
