import { describe, expect, it, vi } from 'vitest';
import type { DeltaMessage } from './messages.js';
import { parseServerMessage } from './parse-server-message.js';
import { ProtocolError } from './protocol-error.js';

const position = { topicId: 'Qx3vZ8wRTzK2mN5pL7yB1A', offsets: [3, 0] };
const frame = (fields: Record<string, unknown>) => JSON.stringify(fields);
const delta = (fields: Record<string, unknown>) =>
  frame({ type: 'delta', table: 'orders', sets: [], deletes: [], position, ...fields });

function thrown(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

describe('parseServerMessage', () => {
  it('returns the parsed delta itself, arrays and all, rather than a copy', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const message = parseServerMessage(delta({ sets: [['a', [1]]], deletes: ['b'] }));
      const parsed = parse.mock.results[0]?.value as DeltaMessage;
      expect(message).toBe(parsed);
      expect((message as DeltaMessage).sets).toBe(parsed.sets);
    } finally {
      parse.mockRestore();
    }
  });

  it('accepts wire values with and without meta', () => {
    const sets = [
      ['a', [{ n: 1 }]],
      ['b', ['1970-01-01T00:00:00.000Z', { values: ['Date'], v: 1 }]],
      ['c', [null]],
    ];
    expect((parseServerMessage(delta({ sets })) as DeltaMessage).sets).toEqual(sets);
  });

  it.each([
    ['not JSON', 'welcome', 'JSON', 'BAD_MESSAGE'],
    ['an array instead of an object', '[]', 'message', 'BAD_MESSAGE'],
    ['an unknown type', frame({ type: 'ping' }), '"ping"', 'BAD_MESSAGE'],
    ['a client message type', frame({ type: 'subscribe', sub: 's' }), '"subscribe"', 'BAD_MESSAGE'],
    [
      'a welcome of version 2',
      frame({ type: 'welcome', version: 2, bridge: 'b', features: [] }),
      'welcome.version',
      'PROTOCOL_VERSION',
    ],
    [
      'a welcome with a string version',
      frame({ type: 'welcome', version: '1', bridge: 'b' }),
      'welcome.version',
      'BAD_MESSAGE',
    ],
    [
      'a welcome without bridge',
      frame({ type: 'welcome', version: 1 }),
      'welcome.bridge',
      'BAD_MESSAGE',
    ],
    [
      'an extra welcome field',
      frame({ type: 'welcome', version: 1, bridge: 'b', region: 'eu' }),
      '"region"',
      'BAD_MESSAGE',
    ],
    [
      'an unknown snapshot mode',
      frame({ type: 'snapshot-begin', sub: 's', table: 't', mode: 'full' }),
      'snapshot-begin.mode',
      'BAD_MESSAGE',
    ],
    [
      'a snapshot-part without deletes',
      frame({ type: 'snapshot-part', sub: 's', sets: [] }),
      'snapshot-part.deletes is missing',
      'BAD_MESSAGE',
    ],
    [
      'a snapshot-end without status',
      frame({ type: 'snapshot-end', sub: 's', position }),
      'snapshot-end.status is missing',
      'BAD_MESSAGE',
    ],
    [
      'an unknown snapshot-end status',
      frame({ type: 'snapshot-end', sub: 's', position, status: 'live' }),
      'snapshot-end.status',
      'BAD_MESSAGE',
    ],
    ['a delta with both table and sub', delta({ sub: 's' }), 'delta.sub', 'BAD_MESSAGE'],
    [
      'a delta with neither table nor sub',
      delta({ table: undefined }),
      'delta.table',
      'BAD_MESSAGE',
    ],
    ['a delta with an empty table', delta({ table: '' }), 'delta.table', 'BAD_MESSAGE'],
    ['a delta with string deletes', delta({ deletes: 'a' }), 'delta.deletes', 'BAD_MESSAGE'],
    [
      'a delta with a numeric delete',
      delta({ deletes: ['a', 1] }),
      'delta.deletes[1]',
      'BAD_MESSAGE',
    ],
    ['an extra delta field', delta({ offset: 3 }), '"offset"', 'BAD_MESSAGE'],
    ['a delta without position', delta({ position: undefined }), 'delta.position', 'BAD_MESSAGE'],
    [
      'a negative offset',
      delta({ position: { topicId: 't', offsets: [0, -1] } }),
      'delta.position.offsets[1]',
      'BAD_MESSAGE',
    ],
    [
      'a set that is not a pair',
      delta({ sets: [['a', [1]], ['b']] }),
      'delta.sets[1]',
      'BAD_MESSAGE',
    ],
    ['a set with a numeric key', delta({ sets: [[1, [1]]] }), 'delta.sets[0][0]', 'BAD_MESSAGE'],
    [
      'a bare value instead of a wire value',
      delta({ sets: [['a', 1]] }),
      'delta.sets[0][1]',
      'BAD_MESSAGE',
    ],
    ['an empty wire value', delta({ sets: [['a', []]] }), 'delta.sets[0][1]', 'BAD_MESSAGE'],
    [
      'a 3-element wire value',
      delta({ sets: [['a', [1, {}, 2]]] }),
      'delta.sets[0][1]',
      'BAD_MESSAGE',
    ],
    [
      'a non-object meta',
      delta({ sets: [['a', [1, 'Date']]] }),
      'delta.sets[0][1][1]',
      'BAD_MESSAGE',
    ],
    [
      'an unknown table status',
      frame({ type: 'status', table: 't', status: 'ok' }),
      'status.status',
      'BAD_MESSAGE',
    ],
    [
      'a numeric status reason',
      frame({ type: 'status', table: 't', status: 'failed', reason: 5 }),
      'status.reason',
      'BAD_MESSAGE',
    ],
    [
      'an unsubscribed without sub',
      frame({ type: 'unsubscribed' }),
      'unsubscribed.sub',
      'BAD_MESSAGE',
    ],
    [
      'a numeric error code',
      frame({ type: 'error', code: 4, message: 'x' }),
      'error.code',
      'BAD_MESSAGE',
    ],
    [
      'an error without message',
      frame({ type: 'error', code: 'INTERNAL' }),
      'error.message',
      'BAD_MESSAGE',
    ],
    [
      'an error with an empty sub',
      frame({ type: 'error', code: 'INTERNAL', message: 'x', sub: '' }),
      'error.sub',
      'BAD_MESSAGE',
    ],
    [
      'a negative retryAfterMs',
      frame({ type: 'goaway', reason: 'x', retryAfterMs: -1 }),
      'goaway.retryAfterMs',
      'BAD_MESSAGE',
    ],
    [
      'a fractional retryAfterMs',
      frame({ type: 'goaway', reason: 'x', retryAfterMs: 1.5 }),
      'goaway.retryAfterMs',
      'BAD_MESSAGE',
    ],
    ['a goaway without reason', frame({ type: 'goaway' }), 'goaway.reason', 'BAD_MESSAGE'],
  ])('rejects %s', (_, text, mention, code) => {
    const error = thrown(() => parseServerMessage(text));
    expect(error.code).toBe(code);
    expect(error.message).toContain(mention);
  });

  it('keeps an error with a code from a newer bridge, as INTERNAL with the code in its message', () => {
    const text = frame({ type: 'error', code: 'SLOW_DOWN', message: 'slow down', sub: 's1' });
    expect(parseServerMessage(text)).toEqual({
      type: 'error',
      code: 'INTERNAL',
      message: 'SLOW_DOWN: slow down',
      sub: 's1',
    });
  });

  it('does not mistake inherited property names for error codes or statuses', () => {
    expect(parseServerMessage(frame({ type: 'error', code: 'toString', message: 'm' }))).toEqual({
      type: 'error',
      code: 'INTERNAL',
      message: 'toString: m',
    });
    const status = frame({ type: 'status', table: 't', status: 'constructor' });
    expect(thrown(() => parseServerMessage(status)).message).toContain('status.status');
  });
});
