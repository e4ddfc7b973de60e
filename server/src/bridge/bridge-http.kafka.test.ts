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
