import WebSocket from 'ws';
import type { ClientOptions } from '../client/src/client-options.js';
import { createClient } from '../client/src/create-client.js';
import type { TablecastClientError } from '../client/src/errors.js';
import { superjsonValues } from '../client/src/superjson-values.js';
import type { TableHandle } from '../client/src/table-handle.js';
import type { WebSocketLikeConstructor } from '../client/src/websocket-like.js';
import { type Cleanup, until } from './fixtures.js';

/**
 * A client for integration tests, closed by `cleanup`: `ws`, short backoff, superjson values
 * (test tables hold Dates), and every error it reports collected in `errors`.
 */
export function testClient(cleanup: Cleanup, url: string, extra: Partial<ClientOptions> = {}) {
  const errors: TablecastClientError[] = [];
  const client = cleanup.add(
    createClient({
      url,
      WebSocket: WebSocket as unknown as WebSocketLikeConstructor,
      backoff: { initialDelayMs: 20, maxDelayMs: 200 },
      wireValues: superjsonValues,
      onError: (error) => errors.push(error),
      ...extra,
    }),
    (c) => c.close(),
  );
  return { client, errors };
}

/** Resolves when the handle's map satisfies `predicate`, checked on every applied batch. */
export function untilMap<V>(
  handle: TableHandle<V>,
  predicate: (map: ReadonlyMap<string, V>) => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  return until(
    (listener) => handle.subscribe(listener),
    () => predicate(handle.getSnapshot()),
    () =>
      `the map of table "${handle.name}" (${handle.status}, now ${JSON.stringify([...handle.getSnapshot()])})`,
    timeoutMs,
  );
}
