import { describe, expect, it, vi } from 'vitest';
import type { SubscribeMessage } from './messages.js';
import { parseClientMessage } from './parse-client-message.js';
import { ProtocolError } from './protocol-error.js';

const position = { topicId: 'Qx3vZ8wRTzK2mN5pL7yB1A', offsets: [3, 0] };
const subscribe = (fields: Record<string, unknown>) =>
  JSON.stringify({ type: 'subscribe', sub: 's1', table: 'orders', ...fields });

function thrown(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

describe('parseClientMessage', () => {
  it('accepts every field of a subscribe', () => {
    const message = {
      type: 'subscribe',
      sub: 's1',
      table: 'orders',
      position,
      filter: { keys: ['a'] },
    };
    expect(parseClientMessage(JSON.stringify(message))).toEqual(message);
  });

  it('returns the parsed object itself rather than a copy', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const message = parseClientMessage(subscribe({ filter: { prefix: 'eu/' } }));
      expect(message).toBe(parse.mock.results[0]?.value);
    } finally {
      parse.mockRestore();
    }
  });

  it('accepts a position with partitions at offset 0 and names of exactly 256 characters', () => {
    const name = 'x'.repeat(256);
    const message = parseClientMessage(subscribe({ sub: name, table: name, position }));
    expect((message as SubscribeMessage).sub).toBe(name);
  });

  it.each([
    ['not JSON', '{"type":', 'JSON'],
    ['an array instead of an object', '[{"type":"unsubscribe","sub":"s1"}]', 'message'],
    ['a string instead of an object', '"subscribe"', 'message'],
    ['null', 'null', 'message'],
    ['no type', '{"sub":"s1"}', 'message.type'],
    ['a non-string type', '{"type":1}', 'message.type'],
    ['an unknown type', '{"type":"subscrib","sub":"s1","table":"t"}', '"subscrib"'],
    ['a server message type', '{"type":"welcome","version":1,"bridge":"b"}', '"welcome"'],
    ['a missing table', '{"type":"subscribe","sub":"s1"}', 'subscribe.table is missing'],
    ['a missing sub', '{"type":"unsubscribe"}', 'unsubscribe.sub is missing'],
    ['a numeric table', subscribe({ table: 5 }), 'subscribe.table'],
    ['an empty sub', subscribe({ sub: '' }), 'subscribe.sub'],
    ['a sub over 256 characters', subscribe({ sub: 'x'.repeat(257) }), 'subscribe.sub'],
    ['a misspelt field', subscribe({ positon: position }), '"positon"'],
    ['an extra unsubscribe field', '{"type":"unsubscribe","sub":"s1","table":"t"}', '"table"'],
    ['a null position', subscribe({ position: null }), 'subscribe.position'],
    [
      'a negative offset',
      subscribe({ position: { topicId: 't', offsets: [1, 2, -1] } }),
      'subscribe.position.offsets[2] must be a non-negative integer',
    ],
    [
      'a fractional offset',
      subscribe({ position: { topicId: 't', offsets: [1.5] } }),
      'subscribe.position.offsets[0]',
    ],
    [
      'an offset past the safe integers',
      subscribe({ position: { topicId: 't', offsets: [2 ** 53] } }),
      'subscribe.position.offsets[0]',
    ],
    [
      'a string offset',
      subscribe({ position: { topicId: 't', offsets: ['1'] } }),
      'subscribe.position.offsets[0]',
    ],
    [
      'too many partitions',
      subscribe({ position: { topicId: 't', offsets: new Array(100_001).fill(0) } }),
      'subscribe.position.offsets',
    ],
    [
      'an empty topicId',
      subscribe({ position: { topicId: '', offsets: [] } }),
      'subscribe.position.topicId',
    ],
    [
      'an extra position field',
      subscribe({ position: { ...position, partition: 0 } }),
      'subscribe.position has unknown field "partition"',
    ],
    [
      'an oversize filter',
      subscribe({ filter: { keys: Array.from({ length: 10_001 }, (_, i) => `k${i}`) } }),
      'subscribe.filter.keys',
    ],
    ['an empty key list', subscribe({ filter: { keys: [] } }), 'subscribe.filter.keys'],
    ['a non-string key', subscribe({ filter: { keys: ['a', 2] } }), 'subscribe.filter.keys[1]'],
    ['keys that are not a list', subscribe({ filter: { keys: 'a' } }), 'subscribe.filter.keys'],
    ['an empty prefix', subscribe({ filter: { prefix: '' } }), 'subscribe.filter.prefix'],
    [
      'both keys and prefix',
      subscribe({ filter: { keys: ['a'], prefix: 'a' } }),
      'subscribe.filter',
    ],
    ['an empty filter', subscribe({ filter: {} }), 'subscribe.filter'],
    [
      'an extra filter field',
      subscribe({ filter: { prefix: 'a', mode: 'glob' } }),
      'subscribe.filter has unknown field "mode"',
    ],
  ])('rejects %s', (_, frame, mention) => {
    const error = thrown(() => parseClientMessage(frame));
    expect(error.code).toBe('BAD_MESSAGE');
    expect(error.message).toContain(mention);
  });

  it('keeps the JSON syntax error as the cause', () => {
    expect(thrown(() => parseClientMessage('{')).cause).toBeInstanceOf(SyntaxError);
  });

  it('names the subscription a rejected frame was about, when that much is valid', () => {
    expect(thrown(() => parseClientMessage(subscribe({ table: '' }))).sub).toBe('s1');
    expect(thrown(() => parseClientMessage('{"type":"nope","sub":"s2"}')).sub).toBe('s2');
    expect(thrown(() => parseClientMessage(subscribe({ sub: '' }))).sub).toBeUndefined();
    expect(thrown(() => parseClientMessage('[]')).sub).toBeUndefined();
  });

  it('takes the filter key limit from its limits', () => {
    const frame = subscribe({ filter: { keys: ['a', 'b', 'c'] } });
    expect(parseClientMessage(frame, { maxFilterKeys: 3 })).toBeDefined();
    expect(thrown(() => parseClientMessage(frame, { maxFilterKeys: 2 })).message).toContain(
      'more than the limit of 2',
    );
  });
});
