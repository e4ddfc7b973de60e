import { describe, expect, it } from 'vitest';
import { encodeMessage } from './encode-message.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import { parseClientMessage } from './parse-client-message.js';
import { parseServerMessage } from './parse-server-message.js';
import { toWireValue } from './wire-value.js';

const position = { topicId: 'Qx3vZ8wRTzK2mN5pL7yB1A', offsets: [120, 0, 57] };

// Every variant, with and without each optional field.
const clientMessages: ClientMessage[] = [
  { type: 'subscribe', sub: 's1', table: 'orders' },
  { type: 'subscribe', sub: 's2', table: 'orders', position },
  { type: 'subscribe', sub: 's3', table: 'orders', filter: { keys: ['a', 'b', ''] } },
  { type: 'subscribe', sub: 's4', table: 'orders', position, filter: { prefix: 'eu/' } },
  { type: 'unsubscribe', sub: 's1' },
  { type: 'write', id: 'w1', table: 'flags', key: 'dark-mode', value: toWireValue(true) },
  { type: 'write', id: 'w2', table: 'flags', key: 'at', value: toWireValue(new Date(0)) },
  { type: 'write', id: 'w3', table: 'flags', key: 'dark-mode', delete: true },
];

const serverMessages: ServerMessage[] = [
  { type: 'welcome', version: 1, bridge: 'bridge-7f3a' },
  { type: 'snapshot-begin', sub: 's1', table: 'orders', mode: 'reset' },
  { type: 'snapshot-begin', sub: 's1', table: 'orders', mode: 'resume' },
  {
    type: 'snapshot-part',
    sub: 's1',
    sets: [
      ['a', toWireValue({ qty: 2 })],
      ['b', toWireValue(new Date(0))],
    ],
    deletes: [],
  },
  { type: 'snapshot-part', sub: 's1', sets: [], deletes: ['c', 'd'] },
  { type: 'snapshot-end', sub: 's1', position, status: 'caught_up' },
  {
    type: 'delta',
    table: 'orders',
    sets: [['a', toWireValue(null)]],
    deletes: ['b'],
    position,
  },
  { type: 'delta', sub: 's3', sets: [['a', toWireValue(1n)]], deletes: [], position },
  { type: 'status', table: 'orders', status: 'loading' },
  { type: 'status', table: 'orders', status: 'degraded', reason: 'broker unreachable' },
  { type: 'unsubscribed', sub: 's1' },
  { type: 'error', code: 'UNKNOWN_TABLE', message: 'no table "x"', sub: 's9' },
  { type: 'error', code: 'BAD_MESSAGE', message: 'message is not valid JSON' },
  { type: 'goaway', reason: 'shutting down' },
  { type: 'goaway', reason: 'overloaded', retryAfterMs: 5000 },
  {
    type: 'write-result',
    id: 'w1',
    ok: true,
    topicId: 'Qx3vZ8wRTzK2mN5pL7yB1A',
    partition: 2,
    offset: 41,
  },
  { type: 'write-result', id: 'w2', ok: false, code: 'FORBIDDEN', message: 'no writes to "flags"' },
];

describe('encodeMessage', () => {
  it.each(clientMessages.map((m) => [JSON.stringify(m), m] as const))(
    'round-trips client message %s',
    (_, message) => {
      expect(parseClientMessage(encodeMessage(message))).toEqual(message);
    },
  );

  it.each(serverMessages.map((m) => [m.type, m] as const))(
    'round-trips server message %s',
    (_, message) => {
      expect(parseServerMessage(encodeMessage(message))).toEqual(message);
    },
  );

  it('covers every server message type', () => {
    const types = new Set(serverMessages.map((m) => m.type));
    const all: Record<ServerMessage['type'], true> = {
      welcome: true,
      'snapshot-begin': true,
      'snapshot-part': true,
      'snapshot-end': true,
      delta: true,
      status: true,
      unsubscribed: true,
      error: true,
      goaway: true,
      'write-result': true,
    };
    expect([...types].sort()).toEqual(Object.keys(all).sort());
  });

  it('is plain JSON: the same message always encodes to the same bytes', () => {
    const delta = serverMessages.find((m) => m.type === 'delta')!;
    expect(encodeMessage(delta)).toBe(encodeMessage(structuredClone(delta)));
    expect(JSON.parse(encodeMessage(delta))).toEqual(delta);
  });
});
