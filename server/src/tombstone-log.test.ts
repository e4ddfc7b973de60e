import { describe, expect, it } from 'vitest';
import { utf8 } from '../../shared/src/codecs/utf8.js';
import { TableState } from './table-state.js';
import { TombstoneLog } from './tombstone-log.js';

const enc = new TextEncoder();
const set = (offset: number, key: string, value: string) => ({
  offset,
  timestamp: 0,
  key: enc.encode(key),
  value: enc.encode(value),
});
const del = (offset: number, key: string) => ({
  offset,
  timestamp: 0,
  key: enc.encode(key),
  value: null,
});

describe('TombstoneLog', () => {
  it('forgets the oldest delete past its capacity and moves that partition horizon', () => {
    const log = new TombstoneLog(2);
    log.record('a', 0, 5);
    log.record('b', 1, 7);
    log.record('c', 0, 9);
    expect([...log.deletedSince([0, 0])].sort()).toEqual(['b', 'c']);
    expect(log.horizon).toEqual([6]);
  });

  it('drops a key that has a value again', () => {
    const log = new TombstoneLog(10);
    log.record('a', 0, 1);
    log.forget('a');
    expect(log.size).toBe(0);
  });
});

describe('TableState.changesSince', () => {
  const state = () => {
    const s = new TableState(utf8(), utf8(), 3);
    s.positions[0] = 0;
    s.tombstones.horizon[0] = 0;
    return s;
  };

  it('returns the keys written and deleted since a position', () => {
    const s = state();
    s.apply(
      { partition: 0, records: [set(0, 'old', '1'), set(1, 'gone', '1')], nextOffset: 2 },
      undefined,
    );
    s.apply(
      { partition: 0, records: [set(2, 'new', '2'), del(3, 'gone')], nextOffset: 4 },
      undefined,
    );
    expect(s.changesSince([2])).toEqual({ sets: [['new', '2']], deletes: ['gone'] });
    expect(s.changesSince([4])).toEqual({ sets: [], deletes: [] });
  });

  it('cannot answer for a position before the deletes it still remembers', () => {
    const s = state();
    s.apply(
      {
        partition: 0,
        records: [del(0, 'a'), del(1, 'b'), del(2, 'c'), del(3, 'd')],
        nextOffset: 4,
      },
      undefined,
    );
    expect(s.changesSince([0])).toBeUndefined();
    expect(s.changesSince([1])?.deletes.sort()).toEqual(['b', 'c', 'd']);
  });

  it('cannot answer across a rebuilt partition', () => {
    const s = state();
    s.apply({ partition: 0, records: [set(0, 'a', '1')], nextOffset: 1 }, undefined);
    s.apply(
      { partition: 0, fetchOffset: 10, records: [set(10, 'b', '1')], nextOffset: 11 },
      undefined,
    );
    expect(s.changesSince([1])).toBeUndefined();
    expect(s.changesSince([10])).toEqual({ sets: [['b', '1']], deletes: [] });
  });
});
