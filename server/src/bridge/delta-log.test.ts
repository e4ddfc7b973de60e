import { describe, expect, it } from 'vitest';
import type { Position } from '../../../shared/src/protocol/index.js';
import { deleteChange, setChange } from '../test/table-changes.js';
import { DeltaLog } from './delta-log.js';

const at = (offset: number): Position => ({ topicId: 't1', offsets: [offset] });
const set = setChange;
const del = deleteChange;

describe('DeltaLog', () => {
  it('gives a socket one delta for every entry after its own, the last change per key, at the last position', () => {
    const log = new DeltaLog('flags');
    log.add([set('a', 1), set('b', 1)]);
    expect(log.seal(at(2))).toBe(true);
    log.add([set('a', 2), del('b'), set('c', 1)]);
    expect(log.seal(at(5))).toBe(true);
    expect(log.latest).toBe(2);

    const fromStart = log.since(0)!;
    expect(fromStart.changes.map((c) => [c.key, c.deleted ? null : c.value])).toEqual([
      ['a', 2],
      ['b', null],
      ['c', 1],
    ]);
    expect(fromStart.position).toEqual(at(5));
    expect(log.since(1)!.changes.map((c) => c.key)).toEqual(['a', 'b', 'c']);
    expect(log.since(1)!.changes).toHaveLength(3);
  });

  it('builds the delta of a starting point once until the next seal', () => {
    const log = new DeltaLog('flags');
    log.add([set('a', 1)]);
    log.seal(at(1));
    expect(log.since(0)).toBe(log.since(0));
    const before = log.since(0);
    log.add([set('a', 2)]);
    log.seal(at(2));
    expect(log.since(0)).not.toBe(before);
    expect(log.since(0)!.changes.map((c) => (c.deleted ? null : c.value))).toEqual([2]);
  });

  it('seals a position that moved without a change, so no later delta carries the older one', () => {
    const log = new DeltaLog('flags');
    log.add([set('a', 1)]);
    log.seal(at(1));
    expect(log.seal(at(1))).toBe(false);
    expect(log.seal(at(3))).toBe(true);
    expect(log.since(1)).toBeNull();
    expect(log.since(0)!.position).toEqual(at(3));
  });

  it('drops entries every socket is past, and forgets everything when nobody reads', () => {
    const log = new DeltaLog('flags');
    for (let i = 1; i <= 3; i++) {
      log.add([set(`k${i}`, i)]);
      log.seal(at(i));
    }
    log.trim(2);
    expect(log.latest).toBe(3);
    expect(log.since(2)!.changes.map((c) => c.key)).toEqual(['k3']);
    log.add([set('k4', 4)]);
    log.clear();
    log.seal(at(4));
    expect(log.latest).toBe(4);
    expect(log.since(3)).toBeNull();
  });
});
