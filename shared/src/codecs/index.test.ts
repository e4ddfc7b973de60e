import { describe, expect, it } from 'vitest';
import { bytes, codecs, json, superjsonCodec, utf8 } from './index.js';

describe('codecs', () => {
  it('collects the factories under their codec names', () => {
    expect(codecs).toEqual({ utf8, bytes, json, superjson: superjsonCodec });
    const created: Record<string, { name: string }> = {
      utf8: codecs.utf8(),
      bytes: codecs.bytes(),
      json: codecs.json(),
      superjson: codecs.superjson(),
    };
    for (const [key, codec] of Object.entries(created)) expect(codec.name).toBe(key);
  });
});
