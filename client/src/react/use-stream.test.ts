// @vitest-environment happy-dom
import { act, createElement as h } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamRow } from '../stream/stream-row.js';
import { TablecastProvider, useStream } from './index.js';
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

const row = (offset: number, timestamp: number): [string, StreamRow<string>] => [
  `0:${offset}`,
  { key: null, value: `e${offset}`, timestamp, partition: 0, offset },
];

function Feed(props: { limit?: number }) {
  const { rows, status } = useStream<string>(
    'events',
    props.limit === undefined ? {} : { limit: props.limit },
  );
  return `${status}|${rows.map((r) => r.value).join(',')}`;
}

describe('useStream (React)', () => {
  it('renders the rows in order, the newest `limit` of them, and follows batches', async () => {
    const client = new FakeClient();
    const container = document.createElement('div');
    root = createRoot(container);
    act(() =>
      root?.render(h(TablecastProvider, { client }, h(Feed, { limit: 2 }), ' ', h(Feed, {}))),
    );
    expect(container.textContent).toBe('loading| loading|');
    act(() => client.snapshot('events', [row(2, 30), row(0, 10), row(1, 20)]));
    expect(container.textContent).toBe('caught_up|e1,e2 caught_up|e0,e1,e2');
    act(() => client.delta('events', [row(3, 25)], ['0:0']));
    expect(container.textContent).toBe('caught_up|e3,e2 caught_up|e1,e3,e2');
    act(() => root?.unmount());
    root = undefined;
    // Render leases are handed back in a microtask after commit.
    await Promise.resolve();
    expect(client.refs('events')).toBe(0);
  });
});
