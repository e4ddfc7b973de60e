/**
 * The page of e2e/http-snapshot.e2e.test.ts: a client whose first snapshot of each table comes
 * over HTTP from the bridge on another origin, recording what its WebSocket brought.
 */
import { httpSnapshots } from '../../client/src/http/index.js';
import { createClient, type TableHandle } from '../../client/src/index.js';

/** What the socket brought: the mode of every snapshot-begin. */
const modes: string[] = [];
const errors: string[] = [];
let handle: TableHandle<unknown> | undefined;

class RecordingWebSocket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols);
    this.addEventListener('message', (event: MessageEvent) => {
      const text = String(event.data);
      if (text.startsWith('{"type":"snapshot-begin"')) modes.push(JSON.parse(text).mode);
    });
  }
}

async function loadOverHttp(url: string, table: string, httpUrl: string | null) {
  const client = createClient({
    url,
    WebSocket: RecordingWebSocket,
    snapshotSource: httpSnapshots(httpUrl === null ? {} : { url: httpUrl }),
    onError: (error) => errors.push(`${error.code}: ${error.message}`),
  });
  handle = client.table(table);
  const caughtUp = await handle.whenCaughtUp({ timeoutMs: 30_000 });
  return { caughtUp, size: handle.size, sample: handle.get('k7') ?? null };
}

/** Once the socket's own snapshot has ended: what it was, and the client's errors. */
function socketState() {
  return { modes, errors, live: handle?.get('late') ?? null, size: handle?.size ?? 0 };
}

Object.assign(globalThis, { loadOverHttp, socketState });
