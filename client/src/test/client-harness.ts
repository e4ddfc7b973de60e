import { afterEach, beforeEach, vi } from 'vitest';
import { toWireValue } from '../../../shared/src/protocol/index.js';
import type {
  Position,
  ServerMessage,
  TableStatus,
} from '../../../shared/src/protocol/messages.js';
import type { ClientOptions } from '../client-options.js';
import { createClient } from '../create-client.js';
import type { TablecastClientError } from '../errors.js';
import { FakeWebSocket } from './fake-websocket.js';

export { at } from './live-store.js';

/** Fake timers and a fresh FakeWebSocket registry for every test of the file. */
export function fakeTimeAndSockets(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.reset();
  });

  afterEach(() => {
    vi.useRealTimers();
  });
}

/** A client over FakeWebSocket with a fixed jitter (random 0.5) and its reported errors. */
export function setup(overrides: Partial<ClientOptions> = {}) {
  const errors: TablecastClientError[] = [];
  const client = createClient({
    url: 'ws://bridge.test/tables',
    WebSocket: FakeWebSocket,
    random: () => 0.5,
    onError: (error) => errors.push(error),
    ...overrides,
  });
  return { client, errors };
}

/** The sent messages of a socket with the given type. */
export function sentOf(socket: FakeWebSocket, type: string) {
  return socket.messages.filter((message) => message.type === type);
}

/**
 * The sub of the last subscribe sent on `socket` (for `table`, when given; with `filtered`, only
 * a subscribe with a filter, or only one without).
 */
export function lastSub(socket: FakeWebSocket, table?: string, filtered?: boolean): string {
  const subscribe = sentOf(socket, 'subscribe')
    .filter((message) => table === undefined || message.table === table)
    .filter((message) => filtered === undefined || (message.filter !== undefined) === filtered)
    .at(-1);
  if (subscribe === undefined) throw new Error('nothing subscribed');
  return subscribe.sub as string;
}

export function snapshot(
  socket: FakeWebSocket,
  sub: string,
  entries: Record<string, unknown>,
  position: Position,
  options: { mode?: 'reset' | 'resume'; status?: TableStatus; table?: string } = {},
) {
  socket.receive({
    type: 'snapshot-begin',
    sub,
    table: options.table ?? 'prices',
    mode: options.mode ?? 'reset',
  });
  socket.receive({
    type: 'snapshot-part',
    sub,
    sets: Object.entries(entries).map(([key, value]) => [key, toWireValue(value)] as const),
    deletes: [],
  });
  socket.receive({ type: 'snapshot-end', sub, position, status: options.status ?? 'caught_up' });
}

export function delta(
  sets: Record<string, unknown>,
  position: Position,
  target: { table: string } | { sub: string },
): ServerMessage {
  return {
    type: 'delta',
    ...target,
    sets: Object.entries(sets).map(([key, value]) => [key, toWireValue(value)] as const),
    deletes: [],
    position,
  };
}
