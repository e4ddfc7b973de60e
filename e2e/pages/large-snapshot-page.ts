/**
 * The page of e2e/large-snapshot.e2e.test.ts: one handle painted from a bootstrap (the "old"
 * map), then a big reset snapshot streamed by a real bridge through the browser's own WebSocket.
 * Between tasks of the page, a sampler records what a reader of the handle sees.
 */
import { createClient } from '../../client/src/index.js';

interface Sample {
  /** Snapshot parts received before this task. */
  readonly parts: number;
  /** The map users see is still the bootstrap's, the very same object. */
  readonly old: boolean;
  readonly size: number;
}

async function loadLarge(url: string, table: string, timeoutMs: number) {
  let parts = 0;
  /** The sampler's task count when each part arrived: in which task it came. */
  const partTasks = new Set<number>();
  let tasks = 0;
  class CountingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.addEventListener('message', (event: MessageEvent) => {
        if (typeof event.data === 'string' && event.data.startsWith('{"type":"snapshot-part"')) {
          parts++;
          partTasks.add(tasks);
        }
      });
    }
  }
  const client = createClient({ url, WebSocket: CountingWebSocket });
  // Another topic's position: the bridge cannot resume from it and sends a reset.
  const handle = client.table(table, {
    bootstrap: {
      table,
      status: 'loading',
      position: { topicId: 'a-topic-long-gone', offsets: [0] },
      sets: [['old', [1]]],
    },
  });
  const old = handle.getSnapshot();
  let batches = 0;
  handle.subscribe(() => batches++);
  const samples: Sample[] = [];
  // One sample per task, each in a task of its own (a MessageChannel message), until the map
  // users see is no longer the old one.
  const channel = new MessageChannel();
  const sampled = new Promise<void>((resolve) => {
    channel.port1.onmessage = () => {
      tasks++;
      const map = handle.getSnapshot();
      samples.push({ parts, old: map === old, size: map.size });
      if (map === old) channel.port2.postMessage(undefined);
      else resolve();
    };
    channel.port2.postMessage(undefined);
  });
  const caughtUp = await handle.whenCaughtUp({ timeoutMs });
  await sampled;
  channel.port1.close();
  const result = {
    caughtUp,
    batches,
    parts,
    partTasks: partTasks.size,
    samples,
    size: handle.size,
    hasOld: handle.has('old'),
    last: handle.get(`k${handle.size - 1}`) ?? null,
  };
  client.close();
  return result;
}

(globalThis as unknown as { loadLarge: typeof loadLarge }).loadLarge = loadLarge;
