import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FakeClient } from '../react/test/fake-client.js';
import { toArrowTable } from './index.js';

describe('toArrowTable', () => {
  it("hands the handle's map to Arrow with typed columns and the table's position", () => {
    const client = new FakeClient();
    const handle = client.table<unknown>('registry');
    client.snapshot('registry', [
      ['eu/api', { region: 'eu', latency: 12.5, healthy: true, since: new Date(1_000) }],
      ['us/🚀', { region: 'us', latency: null, healthy: false }],
    ]);
    const table = toArrowTable(handle);
    // Through IPC and back, as another page worker or DuckDB-Wasm would receive it.
    const back = tableFromIPC(tableToIPC(table, 'stream'));
    expect(back.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'key:Utf8',
      'region:Utf8',
      'latency:Float64',
      'healthy:Bool',
      'since:Timestamp<MILLISECOND, UTC>',
    ]);
    expect(back.toArray().map((row) => row.toJSON())).toEqual([
      { key: 'eu/api', region: 'eu', latency: 12.5, healthy: true, since: 1_000 },
      { key: 'us/🚀', region: 'us', latency: null, healthy: false, since: null },
    ]);
    expect(back.schema.metadata.get('tablecast.table')).toBe('registry');
    expect(JSON.parse(back.schema.metadata.get('tablecast.position') ?? '')).toEqual(
      handle.position,
    );
  });

  it('follows a declared schema', () => {
    const client = new FakeClient();
    const handle = client.table<number>('prices');
    client.snapshot('prices', [
      ['a', 1],
      ['b', 2.5],
    ]);
    const table = toArrowTable(handle, { schema: 'int64' });
    expect(table.getChild('value')?.toArray()).toEqual(new BigInt64Array([1n, 0n]));
    expect(table.getChild('value')?.get(1)).toBeNull();
  });
});
