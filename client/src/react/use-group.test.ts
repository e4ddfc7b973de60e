// @vitest-environment happy-dom
import { act, createElement as h } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultCompositeKeyCodec as codec } from '../../../shared/src/codecs/composite-key.js';
import type { TableStore } from '../table-store.js';
import { TablecastProvider, useGroup } from './index.js';
import { FakeClient } from './test/fake-client.js';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

beforeAll(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
});

let root: Root | undefined;
afterEach(() => {
  if (root !== undefined) act(() => root?.unmount());
  root = undefined;
});

function Group(props: { group: string; renders: { count: number } }) {
  const { data, status } = useGroup<number>('registry', props.group);
  props.renders.count += 1;
  return `${status}|${[...data].map(([m, v]) => `${m}=${v}`).join(',')}`;
}

describe('useGroup (React)', () => {
  it("subscribes to the group's exact prefix and renders its members", () => {
    const client = new FakeClient();
    const table = vi.spyOn(client, 'table');
    const renders = { count: 0 };
    const container = document.createElement('div');
    root = createRoot(container);
    act(() => root?.render(h(TablecastProvider, { client }, h(Group, { group: '🚀', renders }))));
    expect(table).toHaveBeenCalledWith('registry', { prefix: '1:🚀' });
    expect(container.textContent).toBe('loading|');
    const store = client.created.at(-1) as TableStore<number>;
    act(() => {
      store.snapshotBegin('reset');
      store.snapshotPart([[codec.encode('🚀', 'a'), 1]], []);
      store.snapshotEnd({ topicId: 't', offsets: [1] }, 'caught_up');
    });
    expect(container.textContent).toBe('caught_up|a=1');
    const before = renders.count;
    act(() => store.delta([[codec.encode('🚀', 'b'), 2]], [], { topicId: 't', offsets: [2] }));
    expect(container.textContent).toBe('caught_up|a=1,b=2');
    expect(renders.count).toBe(before + 1);
  });
});
