import { toWireValue } from '../../../shared/src/protocol/index.js';
import type { Position, TableStatus } from '../../../shared/src/protocol/messages.js';
import type { TableBootstrap } from '../bootstrap.js';
import type { ClientOptions } from '../client-options.js';
import { superjsonValues } from '../superjson-values.js';
import type { VisibilitySource } from '../visibility.js';
import { setup as harnessSetup, lastSub, sentOf } from './client-harness.js';
import type { FakeWebSocket } from './fake-websocket.js';

/** The harness client, with superjson wire values: these tables hold Dates and Maps. */
export function setup(overrides: Partial<ClientOptions> = {}) {
  return harnessSetup({ wireValues: superjsonValues, ...overrides });
}

export function subscribes(socket: FakeWebSocket) {
  return sentOf(socket, 'subscribe');
}

/** A whole snapshot of table `prices` for the last subscription sent on `socket`. */
export function snapshot(
  socket: FakeWebSocket,
  entries: Record<string, unknown>,
  position: Position,
  options: { mode?: 'reset' | 'resume'; status?: TableStatus; deletes?: string[] } = {},
) {
  const sub = lastSub(socket);
  socket.receive({ type: 'snapshot-begin', sub, table: 'prices', mode: options.mode ?? 'reset' });
  socket.receive({
    type: 'snapshot-part',
    sub,
    sets: Object.entries(entries).map(([key, value]) => [key, toWireValue(value)] as const),
    deletes: options.deletes ?? [],
  });
  socket.receive({ type: 'snapshot-end', sub, position, status: options.status ?? 'caught_up' });
}

export function bootstrapOf(
  entries: Record<string, unknown>,
  position: Position,
  status: TableStatus = 'caught_up',
): TableBootstrap {
  return {
    table: 'prices',
    status,
    position,
    sets: Object.entries(entries).map(([key, value]) => [key, toWireValue(value)] as const),
  };
}

/** A visibility source the test flips. */
export function fakeVisibility(hidden = false) {
  const listeners = new Set<() => void>();
  const source: VisibilitySource & { set(hidden: boolean): void; listeners: number } = {
    hidden: () => hidden,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      hidden = next;
      for (const listener of [...listeners]) listener();
    },
    get listeners() {
      return listeners.size;
    },
  };
  return source;
}
