import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../shared/src/protocol/encode-message.js';
import type { SnapshotRequest } from '../snapshot-source.js';
import { at } from '../test/live-store.js';
import { jsonValues } from '../wire-values.js';
import { httpSnapshots, snapshotUrl } from './http-snapshots.js';

function requestFor(target: SnapshotRequest['target']): SnapshotRequest {
  return {
    table: 'flags',
    target,
    values: jsonValues,
    maxMessageBytes: 1 << 20,
    signal: new AbortController().signal,
    progress: () => {},
  };
}

describe('httpSnapshots', () => {
  it('asks the socket URL’s host, with its query and the token, for the table’s snapshot', () => {
    expect(snapshotUrl('ws://h:1/tablecast?tenant=a#x', undefined, 'flags', 'tok')).toBe(
      'http://h:1/tables/flags?tenant=a&format=snapshot&token=tok',
    );
    expect(snapshotUrl('wss://h/tablecast', undefined, 'a b/c', undefined)).toBe(
      'https://h/tables/a%20b%2Fc?format=snapshot',
    );
    // Behind a path prefix: the given URL's path, then /tables/<name>; its own query stays.
    expect(snapshotUrl('wss://h/bridge/ws?t=1', 'https://api.example/bridge/?v=2', 'f', 'k')).toBe(
      'https://api.example/bridge/tables/f?v=2&t=1&format=snapshot&token=k',
    );
    // Relative to the page, as browsers take a socket URL: an https page asks over https.
    const page = globalThis as { location?: { href: string } };
    page.location = { href: 'https://app.example/dash/index.html' };
    try {
      expect(snapshotUrl('/tablecast', undefined, 'f', undefined)).toBe(
        'https://app.example/tables/f?format=snapshot',
      );
    } finally {
      delete page.location;
    }
    expect(() => snapshotUrl(undefined, undefined, 'f', undefined)).toThrow(TypeError);
    expect(() => httpSnapshots({ url: '' })).toThrow(TypeError);
    expect(() => httpSnapshots({ fetch: 'no' as unknown as typeof fetch })).toThrow(TypeError);
  });

  it('sends what the upgrade sends, and reads the body into a snapshot', async () => {
    const calls: Array<[string, RequestInit | undefined]> = [];
    const body = [
      { type: 'snapshot-begin', sub: 'http', table: 'flags', mode: 'reset' } as const,
      { type: 'snapshot-part', sub: 'http', sets: [['a', [1]]], deletes: [] } as const,
      { type: 'snapshot-end', sub: 'http', position: at(3), status: 'caught_up' } as const,
    ]
      .map((m) => `${encodeMessage(m)}\n`)
      .join('');
    const source = httpSnapshots({
      fetch: async (input, init) => {
        calls.push([String(input), init]);
        return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
      },
    });
    const request = requestFor(['ws://h/tc', 'tok', { authorization: 'Bearer x' }]);
    const result = await source(request);
    expect(Object.fromEntries(result.map)).toEqual({ a: 1 });
    expect(result.position).toEqual(at(3));
    expect(calls).toEqual([
      [
        'http://h/tables/flags?format=snapshot&token=tok',
        {
          signal: request.signal,
          credentials: 'include',
          cache: 'no-store',
          headers: { authorization: 'Bearer x' },
        },
      ],
    ]);
  });

  it('rejects an answer other than 200, naming the status and the URL', async () => {
    let cancelled = false;
    const source = httpSnapshots({
      fetch: async () =>
        new Response(
          new ReadableStream({
            cancel() {
              cancelled = true;
            },
          }),
          { status: 404 },
        ),
    });
    await expect(source(requestFor(['ws://h/tc', undefined, undefined]))).rejects.toThrow(
      'GET http://h/tables/flags?format=snapshot answered HTTP 404',
    );
    expect(cancelled).toBe(true);
  });
});
