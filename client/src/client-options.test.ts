import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type WsWebSocket from 'ws';
import { createClient } from './create-client.js';
import { fakeTimeAndSockets, setup } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';
import type { WebSocketLikeConstructor } from './websocket-like.js';

fakeTimeAndSockets();

describe('createClient options', () => {
  it('rejects invalid and conflicting options at construction', () => {
    expect(() => createClient({ url: '' })).toThrow(TypeError);
    expect(() =>
      createClient({ url: 'ws://x', WebSocket: FakeWebSocket, backoff: { maxDelayMs: -1 } }),
    ).toThrow(RangeError);
    expect(() =>
      createClient({
        url: 'ws://x',
        WebSocket: FakeWebSocket,
        backoff: { initialDelayMs: 10, maxDelayMs: 5 },
      }),
    ).toThrow(RangeError);
    const { client } = setup();
    expect(() => client.table('prices', { keys: ['a'], prefix: 'a' })).toThrow(TypeError);
    client.close();
  });

  it('explains a missing WebSocket', () => {
    vi.stubGlobal('WebSocket', undefined);
    try {
      expect(() => createClient({ url: 'ws://x' })).toThrow(/WebSocket/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('accepts the constructors of browsers and of ws', () => {
    expectTypeOf<typeof WebSocket>().toExtend<WebSocketLikeConstructor>();
    expectTypeOf<typeof WsWebSocket>().toExtend<WebSocketLikeConstructor>();
  });
});
