import { tableFromIPC } from 'apache-arrow';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cleanup, liveTopic } from '../../../test/fixtures.js';
import { interopPython } from '../../../test/python-env.js';
import { runPythonJson } from '../../../test/python-interop.js';
import { ARROW_STREAM_TYPE } from './arrow-response.js';
import { createBridge } from './create-bridge.js';

const quiet = { warn: () => {}, error: () => {} };
let cleanup: Cleanup;
beforeAll(() => interopPython(), 600_000);
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

interface PyArrow {
  schema: Array<[string, string]>;
  metadata: Record<string, string>;
  rows: Array<Record<string, unknown>>;
}

async function fixture() {
  const services = await liveTopic(cleanup, 'arrow-services', 2);
  const prices = await liveTopic(cleanup, 'arrow-prices');
  await services.writer.set('eu/api', {
    region: 'eu',
    latency: 12.5,
    healthy: true,
    deployedAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    labels: { team: 'core' },
  });
  await services.writer.set('us/🚀', { region: 'us', latency: null, healthy: false });
  await prices.writer.set('a', { price: 1, currency: 'EUR' });
  await prices.writer.set('b', { price: '2', currency: 'USD' });
  await Promise.all([services.table.barrier(10_000), prices.table.barrier(10_000)]);
  const bridge = cleanup.add(
    createBridge({
      tables: { services: services.table, prices: prices.table },
      arrowSchemas: { prices: { price: 'int64', currency: 'utf8' } },
      authorize: ({ url }) => {
        const token = url.searchParams.get('token');
        return token === 'all' ? true : token === 'prices' ? { tables: ['prices'] } : false;
      },
      logger: quiet,
    }),
    (b) => b.close({ graceMs: 100 }),
  );
  const { port } = await bridge.listen();
  return { services, prices, http: `http://127.0.0.1:${port}` };
}

describe('bridge: GET /tables/:name?format=arrow', () => {
  it('answers an Arrow IPC stream that apache-arrow and pyarrow read the same', async () => {
    const { services, http } = await fixture();
    const response = await fetch(`${http}/tables/services?format=arrow&token=all`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(ARROW_STREAM_TYPE);
    const bytes = new Uint8Array(await response.arrayBuffer());

    const js = tableFromIPC(bytes);
    expect(js.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'key:Utf8',
      'region:Utf8',
      'latency:Float64',
      'healthy:Bool',
      'deployedAt:Timestamp<MILLISECOND, UTC>',
      'labels:Utf8',
    ]);
    const byKey = (rows: Array<Record<string, unknown>>) =>
      Object.fromEntries(rows.map((r) => [r.key as string, r]));
    expect(byKey(js.toArray().map((r) => r.toJSON()))['us/🚀']).toEqual({
      key: 'us/🚀',
      region: 'us',
      latency: null,
      healthy: false,
      deployedAt: null,
      labels: null,
    });

    const py = await runPythonJson<PyArrow>('read_arrow.py', [], bytes);
    expect(py.schema).toEqual([
      ['key', 'string'],
      ['region', 'string'],
      ['latency', 'double'],
      ['healthy', 'bool'],
      ['deployedAt', 'timestamp[ms, tz=UTC]'],
      ['labels', 'extension<arrow.json>'],
    ]);
    expect(byKey(py.rows)['eu/api']).toEqual({
      key: 'eu/api',
      region: 'eu',
      latency: 12.5,
      healthy: true,
      deployedAt: '2026-01-02T03:04:05+00:00',
      labels: '{"team":"core"}',
    });
    expect(py.rows).toHaveLength(2);
    expect(py.metadata['tablecast.table']).toBe('services');
    expect(JSON.parse(py.metadata['tablecast.position']!)).toEqual({
      topicId: services.table.topicId,
      offsets: services.table.position,
    });
  });

  it('uses a declared schema, and the same authorization as the JSON reads', async () => {
    const { http } = await fixture();
    const py = await runPythonJson<PyArrow>(
      'read_arrow.py',
      [],
      new Uint8Array(
        await (await fetch(`${http}/tables/prices?format=arrow&token=prices`)).arrayBuffer(),
      ),
    );
    expect(py.schema).toEqual([
      ['key', 'string'],
      ['price', 'int64'],
      ['currency', 'string'],
    ]);
    // "2" is text, not an int64: null rather than a guess.
    expect(py.rows).toEqual([
      { key: 'a', price: 1, currency: 'EUR' },
      { key: 'b', price: null, currency: 'USD' },
    ]);
    expect((await fetch(`${http}/tables/services?format=arrow`)).status).toBe(401);
    // A table the caller may not read is answered like one that does not exist (no oracle).
    expect((await fetch(`${http}/tables/services?format=arrow&token=prices`)).status).toBe(404);
    expect((await fetch(`${http}/tables/prices/a?format=arrow&token=all`)).status).toBe(400);
    const head = await fetch(`${http}/tables/prices?format=arrow&token=all`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
  });
});
