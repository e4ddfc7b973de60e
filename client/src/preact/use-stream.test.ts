// @vitest-environment happy-dom
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClient } from '../react/test/fake-client.js';
import type { StreamRow } from '../stream/stream-row.js';
import { TablecastProvider, useStream } from './index.js';

let element: HTMLElement | undefined;
afterEach(() => {
  if (element !== undefined)
    act(() => {
      render(null, element!);
    });
  element = undefined;
});

const row = (offset: number, timestamp: number): [string, StreamRow<string>] => [
  `0:${offset}`,
  { key: null, value: `e${offset}`, timestamp, partition: 0, offset },
];

function Feed() {
  const { rows, status } = useStream<string>('events', { limit: 2 });
  return h('p', null, `${status}|${rows.map((r) => r.value).join(',')}`);
}

describe('useStream (Preact)', () => {
  it('renders the newest `limit` rows in order and follows batches', () => {
    const client = new FakeClient();
    const container = document.createElement('div');
    element = container;
    act(() => render(h(TablecastProvider, { client }, h(Feed, null)), container));
    act(() => client.snapshot('events', [row(2, 30), row(0, 10), row(1, 20)]));
    expect(container.textContent).toBe('caught_up|e1,e2');
    act(() => client.delta('events', [row(3, 40)]));
    expect(container.textContent).toBe('caught_up|e2,e3');
  });
});
