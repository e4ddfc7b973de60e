// @vitest-environment happy-dom
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultCompositeKeyCodec as codec } from '../../../shared/src/codecs/composite-key.js';
import { FakeClient } from '../react/test/fake-client.js';
import type { TableStore } from '../table-store.js';
import { TablecastProvider, useGroup } from './index.js';

let element: HTMLElement | undefined;
afterEach(() => {
  if (element !== undefined)
    act(() => {
      render(null, element!);
    });
  element = undefined;
});

function Group(props: { group: string }) {
  const { data, status } = useGroup<number>('registry', props.group);
  return h('p', null, `${status}|${[...data].map(([m, v]) => `${m}=${v}`).join(',')}`);
}

describe('useGroup (Preact)', () => {
  it("subscribes to the group's exact prefix and renders its members", () => {
    const client = new FakeClient();
    const table = vi.spyOn(client, 'table');
    const container = document.createElement('div');
    element = container;
    act(() => render(h(TablecastProvider, { client }, h(Group, { group: 'e\u0301' })), container));
    expect(table).toHaveBeenCalledWith('registry', { prefix: '2:e\u0301' });
    const store = client.created.at(-1) as TableStore<number>;
    act(() => {
      store.snapshotBegin('reset');
      store.snapshotPart(
        [
          [codec.encode('e\u0301', 'a'), 1],
          [codec.encode('e\u0301', 'b'), 2],
        ],
        [],
      );
      store.snapshotEnd({ topicId: 't', offsets: [1] }, 'caught_up');
    });
    expect(container.textContent).toBe('caught_up|a=1,b=2');
    act(() => {
      store.delta([], [codec.encode('e\u0301', 'a')], { topicId: 't', offsets: [2] });
    });
    expect(container.textContent).toBe('caught_up|b=2');
  });
});
