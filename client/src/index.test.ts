import { describe, expect, it } from 'vitest';
import * as client from './index.js';
import * as superjson from './superjson-values.js';

describe('tablecast/client and tablecast/superjson', () => {
  it('export the public functions and constants, and no internals such as TableStore', () => {
    expect(Object.keys(client).sort()).toEqual([
      'CACHE_FORMAT_VERSION',
      'SUBPROTOCOL',
      'TablecastClientError',
      'compareRows',
      'createClient',
      'groupFilter',
      'groupMembers',
      'grouped',
      'indexedDbCache',
      'jsonValues',
      'memoryCache',
      'parseBootstrap',
      'storageCache',
      'stream',
      'toClientError',
      'typedClient',
    ]);
    expect(Object.keys(superjson)).toEqual(['superjsonValues']);
  });
});
