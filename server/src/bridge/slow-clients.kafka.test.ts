import { describe, expect, it } from 'vitest';
import { codecs } from '../../../shared/src/codecs/index.js';
import { bridgeTestBed } from '../../../test/bridge-fixtures.js';
import { connectProducer, produce, testKafka } from '../../../test/fixtures.js';
import { brokers } from '../../../test/kafka.js';
import { replay } from '../../../test/raw-client.js';

const bed = bridgeTestBed('bridge');
const { fixture, serve, client } = bed;

describe('bridge: slow clients', () => {
  it('I9: stops queuing for a stalled client while 100k updates flow, then resumes it by position', async () => {
    // Rounds, each waited for, so the updates reach clients as many batches rather than a few
    // compacted ones: enough bytes to fill the kernel's socket buffers and then the bridge's.
    const { table } = await fixture(2);
    const { url, bridge } = await serve({ t: table }, { slowClientBytes: 64 * 1024 });
    const reader = await client(url);
    const stalled = await client(url);
    for (const c of [reader, stalled]) {
      c.send({ type: 'subscribe', sub: 's', table: 't' });
      await c.next('snapshot-end');
    }
    stalled.pause();

    const producer = await connectProducer(testKafka(brokers()), bed.cleanup);
    const superjson = codecs.superjson();
    const pad = 'p'.repeat(500);
    for (let round = 0; round < 40; round++) {
      await produce(
        producer,
        table.topic,
        Array.from({ length: 2_500 }, (_, i) => ({
          key: `key-${i % 1_000}`,
          value: Buffer.from(superjson.encode({ n: round * 2_500 + i, pad })),
        })),
      );
      expect(await table.barrier(60_000)).toBe(true);
    }
    await reader.next(
      'delta',
      (d) => d.position.offsets.every((o, p) => o === table.position[p]),
      60_000,
    );
    expect(bridge.metrics.slowClientEvents).toBeGreaterThanOrEqual(1);

    stalled.resume();
    const resumed = await stalled.next('snapshot-begin', () => true, 60_000);
    expect(resumed.mode).toBe('resume');
    await stalled.next('snapshot-end', () => true, 60_000);
    const expected = Object.fromEntries([...table.snapshot()].map(([k, v]) => [k, v]));
    expect(Object.fromEntries(replay(stalled.messages, 's', 't'))).toEqual(expected);
    expect(Object.fromEntries(replay(reader.messages, 's', 't'))).toEqual(expected);
    // The stalled client was never sent the 100k updates, only their compacted result.
    expect(stalled.bytesReceived).toBeLessThan(reader.bytesReceived / 2);
  });
});

describe('bridge: stalled too long', () => {
  it('closes a client that stays stalled past the limit with 4008', async () => {
    const { table } = await fixture();
    let closedOne!: () => void;
    const closing = new Promise<void>((resolve) => {
      closedOne = resolve;
    });
    const logger = {
      warn: (message: string) => {
        if (message.includes('stalled')) closedOne();
      },
      error: () => {},
    };
    const { url } = await serve(
      { t: table },
      { slowClientBytes: 16 * 1024, slowClientTimeoutMs: 300, logger },
    );
    const stalled = await client(url);
    stalled.send({ type: 'subscribe', sub: 's', table: 't' });
    await stalled.next('snapshot-end');
    stalled.pause();
    const producer = await connectProducer(testKafka(brokers()), bed.cleanup);
    const superjson = codecs.superjson();
    const pad = 'p'.repeat(1_000);
    // Bounded: at most 100 rounds, until the bridge gives up on the socket.
    let gaveUp = false;
    void closing.then(() => {
      gaveUp = true;
    });
    for (let round = 0; round < 100 && !gaveUp; round++) {
      await produce(
        producer,
        table.topic,
        Array.from({ length: 500 }, (_, i) => ({
          key: `k${i}`,
          value: Buffer.from(superjson.encode({ round, pad })),
        })),
      );
      await table.barrier(10_000);
    }
    await closing;
    stalled.resume();
    await stalled.closed();
    expect(stalled.closeCode).toBe(4008);
  });
});
