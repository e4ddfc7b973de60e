import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { entriesToArrow } from './entries-to-arrow.js';

describe('entriesToArrow', () => {
  it('keeps text exact through IPC: multi-byte, long (buffer growth) and null cells', () => {
    const long = 'é🚀'.repeat(5_000);
    const entries: Array<[string, unknown]> = [
      ['a', 'x'],
      ['ü', null],
      ['🚀', long],
      ['', ''],
    ];
    const back = tableFromIPC(tableToIPC(entriesToArrow(entries), 'stream'));
    expect(back.getChild('key')?.toArray()).toEqual(['a', 'ü', '🚀', '']);
    expect([...(back.getChild('value') ?? [])]).toEqual(['x', null, long, '']);
    expect(back.getChild('value')?.nullCount).toBe(1);
  });

  it('writes an empty table with a key and a JSON value column', () => {
    const table = entriesToArrow([]);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['key', 'value']);
  });
});
