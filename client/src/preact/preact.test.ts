// @vitest-environment happy-dom
// biome-ignore-all lint/correctness/noComponentHookFactories: test components close over each test's client.
// biome-ignore-all lint/correctness/useHookAtTopLevel: the no-client test catches a hook's throw.
import { type ComponentChildren, h, render } from 'preact';
import { Suspense } from 'preact/compat';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RENDER_LEASE_MS } from '../react/bindings.js';
import { FakeClient } from '../react/test/fake-client.js';
import { TablecastProvider, useFlag, useTable, useTableKey } from './index.js';

let container: HTMLElement | undefined;

afterEach(() => {
  if (container !== undefined) unmount();
  vi.useRealTimers();
});

function mount(node: ComponentChildren): HTMLElement {
  const element = document.createElement('div');
  container = element;
  act(() => render(node, element));
  return element;
}

function unmount(): void {
  const element = container;
  container = undefined;
  if (element !== undefined) act(() => render(null, element));
}

/** Lets the effects' deferred release of their render-time reference run. */
const flush = () => act(async () => {});

function TableList(props: { name: string; renders?: { count: number } }) {
  const { data, status, error } = useTable<number>(props.name);
  if (props.renders) props.renders.count += 1;
  return h(
    'p',
    null,
    `${status}|${error ?? ''}|${[...data].map(([k, v]) => `${k}=${v}`).join(',')}`,
  );
}

const withClient = (client: FakeClient, node: ComponentChildren) =>
  h(TablecastProvider, { client }, node);

describe('preact useTable', () => {
  it('renders data and status, once per applied batch', () => {
    const client = new FakeClient();
    const renders = { count: 0 };
    const element = mount(withClient(client, h(TableList, { name: 'prices', renders })));
    expect(element.textContent).toBe('loading||');
    const before = renders.count;
    act(() => client.snapshot('prices', [['a', 1]]));
    expect(element.textContent).toBe('caught_up||a=1');
    expect(renders.count).toBe(before + 1);
    act(() => client.delta('prices', [['b', 2]]));
    expect(element.textContent).toBe('caught_up||a=1,b=2');
    expect(renders.count).toBe(before + 2);
  });

  it('surfaces the reason as error', () => {
    const client = new FakeClient();
    const element = mount(withClient(client, h(TableList, { name: 'prices' })));
    act(() => client.store('prices').fail('FORBIDDEN: no access'));
    expect(element.textContent).toBe('failed|FORBIDDEN: no access|');
  });

  it('releases its handle on unmount', async () => {
    const client = new FakeClient();
    mount(withClient(client, [h(TableList, { name: 'a' }), h(TableList, { name: 'a' })]));
    await flush();
    expect(client.refs('a')).toBe(2);
    expect(client.created).toHaveLength(1);
    unmount();
    expect(client.refs('a')).toBe(0);
    expect(client.created[0]?.closed).toBe(true);
  });

  it('takes an explicit client, and names the fix without one', () => {
    const client = new FakeClient();
    const errors: unknown[] = [];
    function View(props: { explicit: boolean }) {
      try {
        return h('p', null, useTable('prices', props.explicit ? { client } : {}).status);
      } catch (error) {
        errors.push(error);
        return null;
      }
    }
    const element = mount([h(View, { explicit: true }), h(View, { explicit: false })]);
    expect(element.textContent).toBe('loading');
    expect(String(errors[0])).toMatch(/<TablecastProvider client=\{client\}>/);
  });

  it('suspends until caught up, then renders', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = new FakeClient();
    const statuses: string[] = [];
    function Suspending() {
      const { status, data } = useTable<number>('prices', { suspense: true });
      statuses.push(status);
      return h('p', null, `${status}:${data.size}`);
    }
    const element = mount(
      withClient(client, h(Suspense, { fallback: h('p', null, 'waiting') }, h(Suspending, null))),
    );
    expect(element.textContent).toBe('waiting');
    await act(async () => client.snapshot('prices', [['a', 1]]));
    // Preact re-renders a resolved boundary on its debounce: give it a tick.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(element.textContent).toBe('caught_up:1');
    // Never rendered loading. (Preact runs the suspended render's layout effect late, which
    // costs one extra render with the same state.)
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 'caught_up')).toBe(true);
    expect(client.created).toHaveLength(1);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(RENDER_LEASE_MS);
    });
    expect(client.refs('prices')).toBe(1);
  });
});

describe('preact useTableKey and useFlag', () => {
  it('re-renders a key only when it changes', () => {
    const client = new FakeClient();
    const renders = { count: 0 };
    function Key() {
      renders.count += 1;
      return h('p', null, String(useTableKey<number>('prices', 'a')));
    }
    const element = mount(withClient(client, h(Key, null)));
    act(() => client.snapshot('prices', [['a', 1]]));
    expect(element.textContent).toBe('1');
    const before = renders.count;
    act(() => client.delta('prices', [['b', 2]]));
    expect(renders.count).toBe(before);
    act(() => client.delta('prices', [['a', 2]]));
    expect(element.textContent).toBe('2');
    expect(renders.count).toBe(before + 1);
  });

  it('uses the flag default until caught up and for a missing key', () => {
    const client = new FakeClient();
    function Flags() {
      return h('p', null, `${useFlag('new-checkout', false)},${useFlag('missing', 7)}`);
    }
    const element = mount(withClient(client, h(Flags, null)));
    expect(element.textContent).toBe('false,7');
    act(() => client.snapshot('flags', [['new-checkout', true]], 'loading'));
    expect(element.textContent).toBe('false,7');
    act(() => client.store('flags').bridgeStatus('caught_up', undefined));
    expect(element.textContent).toBe('true,7');
  });

  it("reads the provider's flagsTable when the hook names none", () => {
    const client = new FakeClient();
    function Beta() {
      return h('p', null, String(useFlag('beta', false)));
    }
    const element = mount(h(TablecastProvider, { client, flagsTable: 'features' }, h(Beta, null)));
    act(() => client.snapshot('features', [['beta', true]]));
    expect(element.textContent).toBe('true');
  });
});
