import { describe, expect, it, vi } from 'vitest';
import { fakeTimeAndSockets, setup } from './test/client-harness.js';
import { FakeWebSocket } from './test/fake-websocket.js';

fakeTimeAndSockets();

describe('connection', () => {
  it('re-evaluates the token on every connect and sends it as a query parameter', async () => {
    let n = 0;
    const { client } = setup({ token: () => `t${++n}`, headers: () => ({ 'x-n': String(n) }) });
    client.table('prices');
    expect(FakeWebSocket.last.url).toBe('ws://bridge.test/tables?token=t1');
    expect(FakeWebSocket.last.options).toEqual({
      headers: { 'x-n': '1' },
      maxPayload: 64 * 1024 * 1024,
    });
    FakeWebSocket.last.serverClose(1006);
    vi.advanceTimersByTime(125);
    expect(FakeWebSocket.last.url).toBe('ws://bridge.test/tables?token=t2');
    client.close();
  });

  it('waits for asynchronous url and token', async () => {
    const { client } = setup({
      url: async () => 'ws://replica-2/tables?x=1',
      token: async () => 'secret token',
    });
    client.table('prices');
    expect(FakeWebSocket.instances).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.last.url).toBe('ws://replica-2/tables?x=1&token=secret%20token');
    client.close();
  });

  it('reports a failing token function and retries with backoff', () => {
    let fail = true;
    const { client, errors } = setup({
      token: () => {
        if (fail) throw new Error('no session');
        return 'ok';
      },
    });
    client.table('prices');
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(errors[0]?.code).toBe('CONNECTION');
    fail = false;
    vi.advanceTimersByTime(125);
    expect(FakeWebSocket.instances).toHaveLength(1);
    client.close();
  });

  it('waits authDelayMs after an auth close code and reports AUTH', () => {
    const { client, errors } = setup({ backoff: { authDelayMs: 5_000 } });
    client.table('prices');
    FakeWebSocket.last.open();
    FakeWebSocket.last.serverClose(4401, 'token expired');
    expect(errors.map((error) => error.code)).toEqual(['AUTH']);
    vi.advanceTimersByTime(4_999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    client.close();
  });

  it('treats FORBIDDEN without a sub as an auth failure', () => {
    const { client, errors } = setup();
    client.table('prices');
    const socket = FakeWebSocket.last;
    socket.open();
    socket.receive({ type: 'error', code: 'FORBIDDEN', message: 'bad token' });
    expect(errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
    expect(socket.closed).toBe(true);
    vi.advanceTimersByTime(29_999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    client.close();
  });
});
