/**
 * The page side of `npm run bench initial-load -- --client chromium`: bundled for the browser
 * (bench/lib/browser-load.ts) and driven by Playwright. The same measurement as
 * bench/initial-load-client.ts, with the browser's own WebSocket, plus the main thread's long
 * tasks (over 50 ms) while the table loads; and the floor for the same bytes (runBareLoad).
 */
import { httpSnapshots } from '../../client/src/http/index.js';
import { createClient } from '../../client/src/index.js';

interface LongTask {
  readonly startMs: number;
  readonly durationMs: number;
}

/** What both loads record: frames and bytes received, when, and the long tasks meanwhile. */
class LoadRecorder {
  frames = 0;
  bytes = 0;
  openedAt: number | undefined;
  firstSnapshotFrameAt: number | undefined;
  lastFrameAt: number | undefined;
  /** When the socket's own snapshot ended (with a first snapshot over HTTP: its resume). */
  socketSnapshotEndAt: number | undefined;
  #socketEnded: () => void = () => {};
  readonly socketEnded = new Promise<void>((resolve) => {
    this.#socketEnded = resolve;
  });
  readonly #longTasks: LongTask[] = [];
  readonly #observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.#longTasks.push({ startMs: entry.startTime, durationMs: entry.duration });
    }
  });
  readonly t0: number;

  constructor() {
    this.#observer.observe({ type: 'longtask', buffered: false });
    this.t0 = performance.now();
  }

  opened(): void {
    this.openedAt ??= performance.now();
  }

  /** A frame arrived; `first` says it belongs to the snapshot (after the welcome, if any). */
  frame(data: unknown, first: boolean): void {
    this.lastFrameAt = performance.now();
    this.frames++;
    // The dataset is ASCII (bench/lib/data.ts): characters are bytes. Encoding every frame to
    // count it cost the page ~40 ms of script per 100k keys; the bridge's bytesSent agrees.
    this.bytes += typeof data === 'string' ? data.length : (data as ArrayBuffer).byteLength;
    if (first) this.firstSnapshotFrameAt ??= this.lastFrameAt;
    if (typeof data === 'string' && data.startsWith('{"type":"snapshot-end"')) {
      this.socketSnapshotEndAt ??= this.lastFrameAt;
      this.#socketEnded();
    }
  }

  /** The run's result, once loaded at `t1`. */
  async result(t1: number, fields: { ok: boolean; status: string; size: number }) {
    // Long tasks are reported a while after they end (one more turn is not enough: measured here
    // with a 120 ms busy loop, its entry came after 0 ms timers but within 200 ms).
    await new Promise((resolve) => setTimeout(resolve, 250));
    this.#observer.disconnect();
    const since = (at: number | undefined) => (at === undefined ? null : (at - this.t0) / 1000);
    return {
      ...fields,
      seconds: (t1 - this.t0) / 1000,
      connectSeconds: since(this.openedAt),
      firstSnapshotFrameSeconds: since(this.firstSnapshotFrameAt),
      lastFrameSeconds: since(this.lastFrameAt),
      socketSnapshotEndSeconds: since(this.socketSnapshotEndAt),
      frames: this.frames,
      bytes: this.bytes,
      longTasks: this.#longTasks.filter((t) => t.startMs >= this.t0 && t.startMs <= t1 + 1),
    };
  }
}

/**
 * `client.table()` until `whenCaughtUp()`; `overHttp`: with `snapshotSource: httpSnapshots()`, the
 * first snapshot over HTTP and the socket's resume after it. Then, if the socket's own snapshot
 * has not ended yet, until it has (the run's `socketSnapshotEndSeconds`: live over the socket).
 */
async function load(url: string, table: string, timeoutMs: number, overHttp: boolean) {
  const recorder = new LoadRecorder();
  class CountingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.addEventListener('open', () => recorder.opened());
      this.addEventListener('message', (event: MessageEvent) => {
        // The first frame is the welcome.
        recorder.frame(event.data, recorder.frames > 0);
      });
    }
  }
  const client = createClient({
    url,
    WebSocket: CountingWebSocket,
    ...(overHttp ? { snapshotSource: httpSnapshots() } : {}),
  });
  const handle = client.table(table);
  const ok = await handle.whenCaughtUp({ timeoutMs });
  const t1 = performance.now();
  if (ok) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      recorder.socketEnded,
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
  const result = await recorder.result(t1, { ok, status: handle.status, size: handle.size });
  client.close();
  return result;
}

const runInitialLoad = (url: string, table: string, timeoutMs: number) =>
  load(url, table, timeoutMs, false);
const runHttpLoad = (url: string, table: string, timeoutMs: number) =>
  load(url, table, timeoutMs, true);

/**
 * Subscribes to `table` on a bare WebSocket to bench/lib/bare-snapshot-server.ts and hands every
 * frame to `ended`, in the task the browser dispatches it in, until it says the snapshot ended.
 */
async function receiveBare(
  url: string,
  table: string,
  timeoutMs: number,
  recorder: LoadRecorder,
  ended: (data: string) => boolean,
): Promise<boolean> {
  const socket = new WebSocket(url);
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.onopen = () => {
        recorder.opened();
        socket.send(JSON.stringify({ type: 'subscribe', sub: 's1', table }));
      };
      socket.onmessage = (event: MessageEvent) => {
        recorder.frame(event.data, true);
        if (ended(event.data as string)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      socket.onerror = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  } finally {
    socket.close();
  }
}

/**
 * The floor for the same bytes: each recorded frame is parsed and its entries put in a Map. No
 * validation, no decoding, no buffer, no yielding.
 */
async function runBareLoad(url: string, table: string, timeoutMs: number) {
  const recorder = new LoadRecorder();
  const map = new Map<string, unknown>();
  const ok = await receiveBare(url, table, timeoutMs, recorder, (data) => {
    const message = JSON.parse(data) as {
      type: string;
      sets?: [string, [unknown]][];
      deletes?: string[];
    };
    if (message.type === 'snapshot-part') {
      for (const [key, wire] of message.sets!) map.set(key, wire[0]);
      for (const key of message.deletes!) map.delete(key);
    }
    return message.type === 'snapshot-end';
  });
  return recorder.result(performance.now(), {
    ok,
    status: ok ? 'caught_up' : 'failed',
    size: map.size,
  });
}

/**
 * The browser's transport alone, for the same bytes: the recorded frames over a WebSocket (each
 * a string, as the client gets them) or as one `fetch` body read as text, counted and dropped.
 * The gap between the two is what the WebSocket path itself costs a page.
 */
async function runWsTransport(url: string, table: string, timeoutMs: number) {
  const recorder = new LoadRecorder();
  const ok = await receiveBare(url, table, timeoutMs, recorder, (data) =>
    data.startsWith('{"type":"snapshot-end"'),
  );
  return recorder.result(performance.now(), { ok, status: ok ? 'received' : 'failed', size: 0 });
}

async function runFetchTransport(url: string, _table: string, timeoutMs: number) {
  const recorder = new LoadRecorder();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let ok = false;
  try {
    const response = await fetch(`${url.replace(/^ws/, 'http')}frames`, { signal: abort.signal });
    recorder.opened();
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      recorder.frame(value, true);
    }
    ok = response.ok;
  } catch {
    ok = false;
  } finally {
    clearTimeout(timer);
  }
  return recorder.result(performance.now(), { ok, status: ok ? 'received' : 'failed', size: 0 });
}

Object.assign(globalThis, {
  runInitialLoad,
  runHttpLoad,
  runBareLoad,
  runWsTransport,
  runFetchTransport,
});
