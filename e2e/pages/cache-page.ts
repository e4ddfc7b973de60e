// The page of e2e/indexeddb-cache.e2e.test.ts: the client library, bundled for the browser.
import { createClient, indexedDbCache } from '../../client/src/index.js';

(globalThis as unknown as { tablecast: object }).tablecast = { createClient, indexedDbCache };
