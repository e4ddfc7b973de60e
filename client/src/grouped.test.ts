import { describe, expect, it } from 'vitest';
import { defaultCompositeKeyCodec as codec } from '../../shared/src/codecs/composite-key.js';
import { grouped, groupFilter, groupMembers } from './grouped.js';
import { FakeClient } from './react/test/fake-client.js';

const k = (group: string, member: string) => codec.encode(group, member);

function table() {
  const client = new FakeClient();
  const handle = client.table<number>('registry');
  return { client, handle };
}

describe('grouped(handle)', () => {
  it('indexes what the handle holds, then follows its batches', () => {
    const { client, handle } = table();
    client.snapshot('registry', [
      [k('eu', 'a'), 1],
      [k('🇪🇺', 'b'), 2],
      ['foreign', 0],
    ]);
    const view = grouped(handle);
    expect(view.groups()).toEqual(['eu', '🇪🇺']);
    expect(view.members('🇪🇺')).toEqual(new Map([['b', 2]]));
    expect(view.foreignKeys).toBe(1);

    client.delta('registry', [[k('eu', 'c'), 3]]);
    expect(view.get('eu', 'c')).toBe(3);
    expect(view.has('eu', 'a')).toBe(true);
    expect(view.members('nope').size).toBe(0);
  });

  it('keeps the identity of snapshots and of groups a batch did not touch', () => {
    const { client, handle } = table();
    client.snapshot('registry', [
      [k('eu', 'a'), 1],
      [k('us', 'a'), 1],
    ]);
    const view = grouped(handle);
    const heard: string[] = [];
    view.subscribe(() => heard.push('any'));
    view.subscribeGroup('eu', () => heard.push('eu'));
    const before = view.getSnapshot();
    const us = view.members('us');
    const eu = view.members('eu');
    client.delta('registry', [[k('eu', 'b'), 2]]);
    expect(view.getSnapshot()).not.toBe(before);
    expect(view.members('us')).toBe(us);
    expect(view.members('eu')).not.toBe(eu);
    expect(eu.has('b')).toBe(false); // handed-out maps never change
    expect(heard).toEqual(['any', 'eu']);

    // A batch of foreign keys only changes no group and notifies nobody.
    client.delta('registry', [['plain', 9]]);
    expect(heard).toEqual(['any', 'eu']);
  });

  it('drops a group with its last member, also through a reset snapshot', () => {
    const { client, handle } = table();
    client.snapshot('registry', [
      [k('eu', 'a'), 1],
      [k('us', 'a'), 1],
    ]);
    const view = grouped(handle);
    client.delta('registry', [], [k('us', 'a')]);
    expect(view.groups()).toEqual(['eu']);
    // A resubscription's reset snapshot replaces the map: the handle reports the difference.
    client.store('registry').startSubscription();
    client.snapshot('registry', [[k('ap', 'z'), 5]]);
    expect(Object.fromEntries(view.getSnapshot())).toEqual({ ap: new Map([['z', 5]]) });
    view.close();
    client.delta('registry', [[k('eu', 'x'), 1]]);
    expect(view.groups()).toEqual(['ap']);
  });

  it('selects one group by an exact prefix filter', () => {
    expect(groupFilter('a')).toEqual({ prefix: '1:a' });
    const entries: Array<[string, number]> = [
      [k('a', 'x'), 1],
      [k('a1', 'x'), 2],
      ['1:', 3],
    ];
    expect(groupMembers(entries, 'a')).toEqual(new Map([['x', 1]]));
  });
});
