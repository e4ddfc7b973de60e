import { describe, expect, it } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import { createClient } from './node.js';
import { nodeWebSocket } from './node-websocket.js';
import { FakeWebSocket } from './test/fake-websocket.js';

describe('the default WebSocket in Node', () => {
  it("is the runtime's own where it exists (Node 22+)", () => {
    expect(nodeWebSocket(false, FakeWebSocket)).toBe(FakeWebSocket);
  });

  it('is the ws package where the runtime has none (Node 20)', () => {
    expect(nodeWebSocket(false, undefined)).toBe(WsWebSocket);
  });

  it('is the ws package when headers are set, since only ws sends them', () => {
    expect(nodeWebSocket(true, FakeWebSocket)).toBe(WsWebSocket);
  });
});

describe("createClient from tablecast/client's Node build", () => {
  it('needs no WebSocket option', () => {
    const client = createClient({ url: 'ws://127.0.0.1:1' });
    expect(client.connection).toBe('connecting');
    client.close();
  });
});
