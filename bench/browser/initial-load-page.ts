/**
 * The page side of `npm run bench initial-load -- --client chromium`: bundled for the browser
 * (bench/lib/browser-load.ts) and driven by Playwright. The same measurement as
 * bench/initial-load-client.ts, with the browser's own WebSocket, plus the main thread's long
 * tasks (over 50 ms) while the table loads.
 */
import { createClient } from '../../client/src/index.js';

interface LongTask {
  readonly startMs: number;
  readonly durationMs: number;
}

async function runInitialLoad(url: string, table: string, timeoutMs: number) {
  let frames = 0;
  let bytes = 0;
  let openedAt: number | undefined;
  let firstSnapshotFrameAt: number | undefined;
  let lastFrameAt: number | undefined;
  class CountingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.addEventListener('open', () => {
        openedAt ??= performance.now();
      });
      this.addEventListener('message', (event: MessageEvent) => {
        lastFrameAt = performance.now();
        frames++;
        // The dataset is ASCII (bench/lib/data.ts): characters are bytes. Encoding every frame to
        // count it cost the page ~40 ms of script per 100k keys; the bridge's bytesSent agrees.
        bytes +=
          typeof event.data === 'string'
            ? event.data.length
            : (event.data as ArrayBuffer).byteLength;
        if (firstSnapshotFrameAt === undefined && frames > 1)
          firstSnapshotFrameAt = performance.now();
      });
    }
  }
  const longTasks: LongTask[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      longTasks.push({ startMs: entry.startTime, durationMs: entry.duration });
    }
  });
  observer.observe({ type: 'longtask', buffered: false });
  const t0 = performance.now();
  const client = createClient({ url, WebSocket: CountingWebSocket });
  const handle = client.table(table);
  const ok = await handle.whenCaughtUp({ timeoutMs });
  const t1 = performance.now();
  // Long tasks are reported a while after they end (one more turn is not enough: measured here
  // with a 120 ms busy loop, its entry came after 0 ms timers but within 200 ms).
  await new Promise((resolve) => setTimeout(resolve, 250));
  observer.disconnect();
  const result = {
    ok,
    status: handle.status,
    seconds: (t1 - t0) / 1000,
    connectSeconds: openedAt === undefined ? null : (openedAt - t0) / 1000,
    firstSnapshotFrameSeconds:
      firstSnapshotFrameAt === undefined ? null : (firstSnapshotFrameAt - t0) / 1000,
    lastFrameSeconds: lastFrameAt === undefined ? null : (lastFrameAt - t0) / 1000,
    size: handle.size,
    frames,
    bytes,
    longTasks: longTasks.filter((t) => t.startMs >= t0 && t.startMs <= t1 + 1),
  };
  client.close();
  return result;
}

/**
 * The floor for the same bytes: a bare WebSocket to bench/lib/bare-snapshot-server.ts, which
 * replays one recorded snapshot; each frame is parsed and its entries put in a Map, all in the
 * task the browser dispatches it in. No validation, no decoding, no buffer, no yielding.
 */
async function runBareLoad(url: string, table: string, timeoutMs: number) {
  let frames = 0;
  let bytes = 0;
  let openedAt: number | undefined;
  let firstSnapshotFrameAt: number | undefined;
  let lastFrameAt: number | undefined;
  const longTasks: LongTask[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      longTasks.push({ startMs: entry.startTime, durationMs: entry.duration });
    }
  });
  observer.observe({ type: 'longtask', buffered: false });
  const map = new Map<string, unknown>();
  const t0 = performance.now();
  const socket = new WebSocket(url);
  const ok = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.onopen = () => {
      openedAt = performance.now();
      socket.send(JSON.stringify({ type: 'subscribe', sub: 's1', table }));
    };
    socket.onmessage = (event: MessageEvent) => {
      lastFrameAt = performance.now();
      frames++;
      const text = event.data as string;
      bytes += text.length;
      firstSnapshotFrameAt ??= lastFrameAt;
      const message = JSON.parse(text) as {
        type: string;
        sets?: [string, [unknown]][];
        deletes?: string[];
      };
      if (message.type === 'snapshot-part') {
        for (const [key, wire] of message.sets!) map.set(key, wire[0]);
        for (const key of message.deletes!) map.delete(key);
      } else if (message.type === 'snapshot-end') {
        clearTimeout(timer);
        resolve(true);
      }
    };
    socket.onerror = () => {
      clearTimeout(timer);
      resolve(false);
    };
  });
  const t1 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 250));
  observer.disconnect();
  socket.close();
  return {
    ok,
    status: ok ? 'caught_up' : 'failed',
    seconds: (t1 - t0) / 1000,
    connectSeconds: openedAt === undefined ? null : (openedAt - t0) / 1000,
    firstSnapshotFrameSeconds:
      firstSnapshotFrameAt === undefined ? null : (firstSnapshotFrameAt - t0) / 1000,
    lastFrameSeconds: lastFrameAt === undefined ? null : (lastFrameAt - t0) / 1000,
    size: map.size,
    frames,
    bytes,
    longTasks: longTasks.filter((t) => t.startMs >= t0 && t.startMs <= t1 + 1),
  };
}

Object.assign(globalThis, { runInitialLoad, runBareLoad });
