import { get as httpGet } from 'node:http';
import { describe, expect, it } from 'vitest';
import { codecs } from '../../../shared/src/codecs/index.js';
import { bridgeTestBed } from '../../../test/bridge-fixtures.js';
import { heldReplica } from '../../../test/fixtures.js';
import { brokers } from '../../../test/kafka.js';
import { KafkaTableWriter } from '../kafka-table-writer.js';

const bed = bridgeTestBed('bridge');
const { fixture, serve, client } = bed;

describe('bridge: HTTP', () => {
  it('serves health, readiness from the status gate, metrics and table reads', async () => {
    const { writer, table } = await fixture();
    await writer.set('flag', { on: true });
    await table.barrier(10_000);
    const { http, url } = await serve({ flags: table });
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
    const ready = await fetch(`${http}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, tables: { flags: 'caught_up' } });
    const all = (await (await fetch(`${http}/tables/flags`)).json()) as {
      data: unknown;
      position: unknown;
    };
    expect(all.data).toEqual({ flag: { on: true } });
    expect(all.position).toEqual({ topicId: table.topicId, offsets: table.position });
    expect(await (await fetch(`${http}/tables/flags/flag`)).json()).toMatchObject({
      value: { on: true },
    });
    expect((await fetch(`${http}/tables/flags/missing`)).status).toBe(404);
    expect((await fetch(`${http}/tables/nope`)).status).toBe(404);
    const c = await client(url);
    c.send({ type: 'subscribe', sub: 's', table: 'flags' });
    await c.next('snapshot-end');
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^tablecast_connections\{bridge="[^"]+"\} 1$/m);
    expect(metrics).toMatch(/^tablecast_table_keys\{table="flags"\} 1$/m);
    expect(metrics).toMatch(/^tablecast_table_status\{table="flags",status="caught_up"\} 1$/m);
  });

  it('answers a request that offers another upgrade (h2c) over HTTP/1.1, as if it offered none', async () => {
    const { writer, table } = await fixture();
    await writer.set('flag', { on: true });
    await table.barrier(10_000);
    const { port } = await serve({ flags: table });
    // What `curl --http2` sends over plain HTTP; fetch may not set these headers.
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpGet(
          {
            host: '127.0.0.1',
            port,
            path,
            headers: {
              connection: 'Upgrade, HTTP2-Settings',
              upgrade: 'h2c',
              'http2-settings': '',
            },
          },
          (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              body += chunk;
            });
            response.on('end', () => resolve({ status: response.statusCode!, body }));
          },
        );
        request.on('error', reject);
      });
    expect((await get('/healthz')).status).toBe(200);
    const flags = await get('/tables/flags/flag');
    expect(flags.status).toBe(200);
    expect(JSON.parse(flags.body)).toMatchObject({ value: { on: true } });
  });

  it('reports not ready while a table is still loading', async () => {
    const { topic } = await fixture();
    const writer = bed.cleanup.add(
      new KafkaTableWriter({ brokers: brokers(), topic, valueCodec: codecs.superjson() }),
      (w) => w.stop(),
    );
    await writer.start();
    await writer.set('a', 1);
    const { table: loading, held } = heldReplica(topic, brokers(), bed.cleanup);
    const heldBatch = held.hold();
    const { http } = await serve({ t: loading });
    await heldBatch;
    const response = await fetch(`${http}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ready: false, tables: { t: 'loading' } });
    held.release();
  });
});
