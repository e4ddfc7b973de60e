import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromWireValue } from '../../../shared/src/protocol/index.js';
import type { WireSet } from '../../../shared/src/protocol/messages.js';
import { Cleanup, liveTopic } from '../../../test/fixtures.js';
import { RawClient } from '../../../test/raw-client.js';
import { createBridge } from './create-bridge.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

async function fixture() {
  const { table, writer } = await liveTopic(cleanup, 'bootstrap');
  const bridge = cleanup.add(createBridge({ tables: { flags: table }, logger: quiet }), (b) =>
    b.close({ graceMs: 200 }),
  );
  const address = await bridge.listen();
  return { writer, table, ...address, http: `http://127.0.0.1:${address.port}` };
}

interface Bootstrap {
  table: string;
  status: string;
  position: { topicId: string; offsets: number[] };
  sets: WireSet[];
}

describe('bridge: GET /tables/:name?format=bootstrap', () => {
  it('returns wire values and the position, and resuming from it sends only later changes', async () => {
    const { writer, table, http, url } = await fixture();
    await writer.set('a', { on: true, since: new Date(0), ids: new Set([1n]) });
    await writer.set('b', { on: false });
    await table.barrier(10_000);

    const response = await fetch(`${http}/tables/flags?format=bootstrap`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Bootstrap;
    expect(Object.keys(body).sort()).toEqual(['position', 'sets', 'status', 'table']);
    expect(body).toMatchObject({ table: 'flags', status: 'caught_up' });
    expect(body.position).toEqual({ topicId: table.topicId, offsets: table.position });
    const values = Object.fromEntries(body.sets.map(([key, wire]) => [key, fromWireValue(wire)]));
    // Superjson values survive, unlike in the plain-JSON format.
    expect(values).toEqual({
      a: { on: true, since: new Date(0), ids: new Set([1n]) },
      b: { on: false },
    });

    await writer.set('c', 3);
    await writer.delete('b');
    await table.barrier(10_000);
    const c = cleanup.add(await RawClient.connect(url), (client) => client.close());
    c.send({ type: 'subscribe', sub: 's', table: 'flags', position: body.position });
    const begin = await c.next('snapshot-begin');
    expect(begin.mode).toBe('resume');
    const end = await c.next('snapshot-end');
    const parts = c.messages.filter((m) => m.type === 'snapshot-part');
    expect(parts.flatMap((p) => (p.type === 'snapshot-part' ? p.sets : []))).toEqual([['c', [3]]]);
    expect(parts.flatMap((p) => (p.type === 'snapshot-part' ? p.deletes : []))).toEqual(['b']);
    expect(end.position.offsets).toEqual(table.position);
  });

  it('keeps the plain-JSON default and refuses unknown formats', async () => {
    const { writer, table, http } = await fixture();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const plain = (await (await fetch(`${http}/tables/flags`)).json()) as { data: unknown };
    expect(plain.data).toEqual({ a: 1 });
    expect((await fetch(`${http}/tables/flags?format=json`)).status).toBe(200);
    expect((await fetch(`${http}/tables/flags?format=xml`)).status).toBe(400);
    expect((await fetch(`${http}/tables/flags/a?format=bootstrap`)).status).toBe(400);
    expect((await fetch(`${http}/tables/nope?format=bootstrap`)).status).toBe(404);
  });
});
