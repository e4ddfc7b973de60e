// @vitest-environment happy-dom
// biome-ignore-all lint/correctness/noComponentHookFactories: test components close over each test's client.
// biome-ignore-all lint/correctness/useHookAtTopLevel: the no-client test catches a hook's throw.
import { act, createElement as h, type ReactNode, StrictMode, Suspense } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { TablecastClientError } from '../errors.js';
import { RENDER_LEASE_MS, type TableView } from './bindings.js';
import {
  TablecastProvider,
  type TableWriter,
  useFlag,
  useTable,
  useTableKey,
  useWrite,
} from './index.js';

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
  vi.useRealTimers();
});

function mount(node: ReactNode): HTMLElement {
  const container = document.createElement('div');
  root = createRoot(container);
  act(() => root?.render(node));
  return container;
}

function rerender(node: ReactNode): void {
  act(() => root?.render(node));
}

function unmount(): void {
  act(() => root?.unmount());
  root = undefined;
}

/** Lets the effects' deferred release of their render-time reference run. */
const flush = () => act(async () => {});

/** Renders a table as `status|error|k=v,...` and counts its renders. */
function TableList(props: { name: string; renders?: { count: number } }) {
  const { data, status, error } = useTable<number>(props.name);
  if (props.renders) props.renders.count += 1;
  return `${status}|${error ?? ''}|${[...data].map(([k, v]) => `${k}=${v}`).join(',')}`;
}

const withClient = (client: FakeClient, node: ReactNode) => h(TablecastProvider, { client }, node);

describe('useTable', () => {
  it('renders data and status, once per applied batch', () => {
    const client = new FakeClient();
    const renders = { count: 0 };
    const container = mount(withClient(client, h(TableList, { name: 'prices', renders })));
    expect(container.textContent).toBe('loading||');
    const before = renders.count;
    // One batch that also changes the status: still one render.
    act(() => client.snapshot('prices', [['a', 1]]));
    expect(container.textContent).toBe('caught_up||a=1');
    expect(renders.count).toBe(before + 1);
    act(() => client.delta('prices', [['b', 2]]));
    expect(container.textContent).toBe('caught_up||a=1,b=2');
    expect(renders.count).toBe(before + 2);
    // Same value again: not a change, so not a batch.
    act(() => client.delta('prices', [['b', 2]]));
    expect(renders.count).toBe(before + 2);
  });

  it('surfaces the reason as error when degraded or failed', () => {
    const client = new FakeClient();
    const container = mount(withClient(client, h(TableList, { name: 'prices' })));
    act(() => client.snapshot('prices', [['a', 1]]));
    act(() => client.store('prices').connectionLost());
    expect(container.textContent).toBe('degraded|connection lost|a=1');
    act(() => client.store('prices').fail('FORBIDDEN: no access'));
    expect(container.textContent).toBe('failed|FORBIDDEN: no access|a=1');
  });

  it('releases its handle on unmount and when the name changes', async () => {
    const client = new FakeClient();
    mount(withClient(client, h(TableList, { name: 'a' })));
    await flush();
    expect(client.refs('a')).toBe(1);
    rerender(withClient(client, h(TableList, { name: 'b' })));
    await flush();
    expect(client.refs('a')).toBe(0);
    expect(client.refs('b')).toBe(1);
    unmount();
    await flush();
    expect(client.refs('b')).toBe(0);
    expect(client.created.every((store) => store.closed)).toBe(true);
  });

  it('shares one handle between components and keeps it under StrictMode', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = new FakeClient();
    const container = mount(
      h(
        StrictMode,
        null,
        withClient(client, [
          h(TableList, { key: 1, name: 'prices' }),
          h(TableList, { key: 2, name: 'prices' }),
        ]),
      ),
    );
    await flush();
    // Mount, cleanup, mount again never dropped the count to zero: one store, one subscription.
    expect(client.created).toHaveLength(1);
    act(() => client.snapshot('prices', [['a', 1]]));
    expect(container.textContent).toBe('caught_up||a=1'.repeat(2));
    // StrictMode's discarded renders took references too; they lapse after the lease.
    act(() => vi.advanceTimersByTime(RENDER_LEASE_MS));
    expect(client.refs('prices')).toBe(2);
    unmount();
    expect(client.refs('prices')).toBe(0);
    expect(client.created[0]?.closed).toBe(true);
  });

  it('takes an explicit client instead of the provider', () => {
    const client = new FakeClient();
    function View() {
      return useTable('prices', { client }).status;
    }
    const container = mount(h(View));
    act(() => client.snapshot('prices', []));
    expect(container.textContent).toBe('caught_up');
  });

  it('names the fix when there is no client', () => {
    const errors: unknown[] = [];
    function View() {
      try {
        useTable('prices');
      } catch (error) {
        errors.push(error);
      }
      return null;
    }
    mount(h(View));
    expect(String(errors[0])).toMatch(
      /useTable\('prices'\).*<TablecastProvider client=\{client\}>/,
    );
  });
});

describe('useTable with suspense', () => {
  function Suspending(props: { timeoutMs?: number; seen: TableView<number>[] }) {
    const state = useTable<number>('prices', {
      suspense: true,
      ...(props.timeoutMs === undefined ? {} : { timeoutMs: props.timeoutMs }),
    });
    props.seen.push(state);
    return `${state.status}:${state.data.size}`;
  }

  it('suspends until caught up, then renders', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = new FakeClient();
    const seen: TableView<number>[] = [];
    const container = mount(
      withClient(client, h(Suspense, { fallback: 'waiting' }, h(Suspending, { seen }))),
    );
    expect(container.textContent).toBe('waiting');
    expect(seen).toHaveLength(0);
    await act(async () => client.snapshot('prices', [['a', 1]]));
    expect(container.textContent).toBe('caught_up:1');
    // The render that suspended and the retry shared one store, and no render ever loaded.
    expect(client.created).toHaveLength(1);
    expect(seen.every((state) => state.status === 'caught_up')).toBe(true);
    // The suspended renders' references lapse a lease after the promise settled.
    act(() => vi.advanceTimersByTime(RENDER_LEASE_MS));
    expect(client.refs('prices')).toBe(1);
    unmount();
    expect(client.refs('prices')).toBe(0);
  });

  it('renders with what it has after the timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = new FakeClient();
    const seen: TableView<number>[] = [];
    const container = mount(
      withClient(
        client,
        h(Suspense, { fallback: 'waiting' }, h(Suspending, { seen, timeoutMs: 100 })),
      ),
    );
    expect(container.textContent).toBe('waiting');
    await act(async () => vi.advanceTimersByTime(100));
    expect(container.textContent).toBe('loading:0');
    // Suspended once per handle: later batches render in place.
    await act(async () => client.snapshot('prices', [['a', 1]]));
    expect(container.textContent).toBe('caught_up:1');
  });
});

describe('useTableKey', () => {
  it('re-renders only when its key changes', () => {
    const client = new FakeClient();
    const renders = { count: 0 };
    function Key() {
      const value = useTableKey<number>('prices', 'a');
      renders.count += 1;
      return String(value);
    }
    const container = mount(withClient(client, h(Key)));
    expect(container.textContent).toBe('undefined');
    act(() => client.snapshot('prices', [['a', 1]]));
    expect(container.textContent).toBe('1');
    const before = renders.count;
    act(() => client.delta('prices', [['b', 2]]));
    act(() => client.delta('prices', [['b', 3]], []));
    expect(renders.count).toBe(before);
    act(() => client.delta('prices', [['a', 5]]));
    expect(container.textContent).toBe('5');
    act(() => client.delta('prices', [], ['a']));
    expect(container.textContent).toBe('undefined');
    expect(renders.count).toBe(before + 2);
  });

  it('keeps one default object while the key is missing', () => {
    const client = new FakeClient();
    const seen = new Set<unknown>();
    function Key() {
      seen.add(useTableKey('prices', 'x', { default: () => ({ price: 0 }) }));
      return null;
    }
    mount(withClient(client, h(Key)));
    act(() => client.snapshot('prices', [['a', 1]]));
    // A fresh default per read would loop (getSnapshot must be stable) or re-render.
    expect(seen.size).toBe(1);
  });
});

describe('useFlag', () => {
  function Flag(props: { name: string }) {
    return String(useFlag(props.name, false));
  }

  it('uses the default until caught up, and for a missing key', () => {
    const client = new FakeClient();
    const container = mount(
      withClient(client, [
        h(Flag, { key: 1, name: 'new-checkout' }),
        h(Flag, { key: 2, name: 'x' }),
      ]),
    );
    expect(container.textContent).toBe('falsefalse');
    // Applied but the bridge is still reading the topic: the value may be stale.
    act(() => client.snapshot('flags', [['new-checkout', true]], 'loading'));
    expect(container.textContent).toBe('falsefalse');
    act(() => client.store('flags').bridgeStatus('caught_up', undefined));
    expect(container.textContent).toBe('truefalse');
    // Once caught up, a degradation keeps the last known values.
    act(() => client.store('flags').connectionLost());
    expect(container.textContent).toBe('truefalse');
  });

  it('falls back to the default when the value has another type', () => {
    const client = new FakeClient();
    const container = mount(withClient(client, h(Flag, { name: 'f' })));
    act(() => client.snapshot('flags', [['f', 'yes']]));
    expect(container.textContent).toBe('false');
  });

  it('reads another table when told', () => {
    const client = new FakeClient();
    function Limit() {
      return String(useFlag('limit', 10, { table: 'settings' }));
    }
    const container = mount(withClient(client, h(Limit)));
    act(() => client.snapshot('settings', [['limit', 20]]));
    expect(container.textContent).toBe('20');
  });

  it("reads the provider's flagsTable when the hook names none", () => {
    const client = new FakeClient();
    const container = mount(
      h(TablecastProvider, { client, flagsTable: 'features' }, h(Flag, { name: 'beta' })),
    );
    act(() => client.snapshot('features', [['beta', true]]));
    expect(container.textContent).toBe('true');
    expect(client.created.map((store) => store.name)).toEqual(['features']);
  });
});

describe('a render that waits longer than the lease', () => {
  it('ends up on a live handle once it commits', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = new FakeClient();
    // A sibling suspends the boundary for longer than the render-time reference lasts.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let open = false;
    function Gate(): null {
      if (!open) throw gate;
      return null;
    }
    const container = mount(
      withClient(
        client,
        h(Suspense, { fallback: 'waiting' }, h(TableList, { name: 'prices' }), h(Gate)),
      ),
    );
    expect(container.textContent).toBe('waiting');
    act(() => vi.advanceTimersByTime(RENDER_LEASE_MS));
    expect(client.refs('prices')).toBe(0);
    open = true;
    await act(async () => release());
    await flush();
    expect(client.refs('prices')).toBe(1);
    act(() => client.snapshot('prices', [['a', 1]]));
    expect(container.textContent).toBe('caught_up||a=1');
  });
});

describe('server render and hydration of a table that already has data', () => {
  it('renders the real values on the server and keeps them through hydration (no default flip)', async () => {
    const { renderToString } = await import('react-dom/server');
    const { hydrateRoot } = await import('react-dom/client');
    const client = new FakeClient();
    // The app holds the flags handle (as it would after bootstrapping it from the page).
    const flags = client.table<boolean>('flags');
    client.snapshot('flags', [['new-checkout', true]]);
    function Flag() {
      return `checkout=${String(useFlag('new-checkout', false))}`;
    }
    const html = renderToString(withClient(client, h(Flag)));
    expect(html).toBe('checkout=true');

    const container = document.createElement('div');
    container.innerHTML = html;
    const seen: string[] = [];
    const observer = new MutationObserver(() => seen.push(container.textContent ?? ''));
    observer.observe(container, { subtree: true, characterData: true, childList: true });
    let hydrated: Root | undefined;
    await act(async () => {
      hydrated = hydrateRoot(container, withClient(client, h(Flag)));
    });
    observer.disconnect();
    expect(container.textContent).toBe('checkout=true');
    expect(seen.every((text) => text === 'checkout=true')).toBe(true);
    act(() => hydrated?.unmount());
    flags.close();
  });
});

describe('useWrite', () => {
  it('marks keys pending while their writes are in flight and keeps the last error', async () => {
    const client = new FakeClient();
    let writer: TableWriter<boolean> | undefined;
    function Panel() {
      writer = useWrite<boolean>('flags');
      return `${[...writer.pending].join(',')}|${writer.error?.code ?? ''}`;
    }
    const view = mount(h(TablecastProvider, { client }, h(Panel)));
    expect(view.textContent).toBe('|');
    let done: Promise<unknown> | undefined;
    act(() => {
      done = writer!.set('dark-mode', true);
    });
    expect(view.textContent).toBe('dark-mode|');
    expect(client.writes.map((w) => [w.table, w.key, w.value])).toEqual([
      ['flags', 'dark-mode', true],
    ]);
    await act(async () => {
      client.writes[0]!.settle();
      await done;
    });
    expect(view.textContent).toBe('|');
    // The handle taken for the write was released with it.
    expect(client.refs('flags')).toBe(0);
    await act(async () => {
      const failed = writer!.delete('dark-mode').catch((e: unknown) => e);
      client.writes[1]!.settle(new TablecastClientError('FORBIDDEN', 'no'));
      expect(await failed).toMatchObject({ code: 'FORBIDDEN' });
    });
    expect(view.textContent).toBe('|FORBIDDEN');
  });
});
