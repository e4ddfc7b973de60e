import { describe, expect, it } from 'vitest';
import { codecs } from '../../../shared/src/codecs/index.js';
import { bridgeTestBed } from '../../../test/bridge-fixtures.js';
import { connectProducer, heldReplica, produce, testKafka, until } from '../../../test/fixtures.js';
import { brokers } from '../../../test/kafka.js';
import { replay } from '../../../test/raw-client.js';

const bed = bridgeTestBed('bridge');
const { fixture, serve, client } = bed;

describe('bridge: resume', () => {
  it('resumes a client that missed 10k changes with only what changed since its position', async () => {
    const { writer, table } = await fixture(2);
    await Promise.all(
      Array.from({ length: 2_000 }, (_, i) =>
        writer.set(`key-${i}`, { v: 0, pad: 'x'.repeat(100) }),
      ),
    );
    await table.barrier(20_000);
    const { url } = await serve({ t: table });
    const first = await client(url);
    first.send({ type: 'subscribe', sub: 's', table: 't' });
    const end = await first.next('snapshot-end');
    const fullSnapshotBytes = first.bytesReceived;
    await first.close();

    // 10k changes while away, touching only 50 keys, plus 5 deletes.
    const producer = await connectProducer(testKafka(brokers()), bed.cleanup);
    const superjson = codecs.superjson();
    await produce(
      producer,
      table.topic,
      Array.from({ length: 10_000 }, (_, n) => ({
        key: `key-${n % 50}`,
        value: Buffer.from(superjson.encode({ v: Math.floor(n / 50) + 1 })),
      })),
    );
    for (let i = 100; i < 105; i++) await writer.delete(`key-${i}`);
    await table.barrier(20_000);

    const again = await client(url);
    again.send({ type: 'subscribe', sub: 's', table: 't', position: end.position });
    expect((await again.next('snapshot-begin')).mode).toBe('resume');
    await again.next('snapshot-end');
    const resumed = replay(again.messages, 's', 't');
    expect(resumed.size).toBe(50);
    expect(resumed.get('key-0')).toEqual({ v: 200 });
    const parts = again.messages.filter((m) => m.type === 'snapshot-part');
    expect(parts.flatMap((p) => (p.type === 'snapshot-part' ? p.deletes : [])).sort()).toEqual([
      'key-100',
      'key-101',
      'key-102',
      'key-103',
      'key-104',
    ]);
    expect(again.bytesReceived).toBeLessThan(fullSnapshotBytes / 10);
  });

  it('resets a client whose position is from another topic (recreated)', async () => {
    const { writer, table } = await fixture();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const { url } = await serve({ t: table });
    const c = await client(url);
    c.send({
      type: 'subscribe',
      sub: 's',
      table: 't',
      position: { topicId: 'some-old-topic', offsets: [99] },
    });
    expect((await c.next('snapshot-begin')).mode).toBe('reset');
    await c.next('snapshot-end');
    expect(Object.fromEntries(replay(c.messages, 's', 't'))).toEqual({ a: 1 });
  });

  it('I3: a lagging replica waits until it reaches the client position instead of going back in time', async () => {
    const { topic, writer, table } = await fixture();
    await writer.set('k', 'v1');
    await table.barrier(10_000);
    // A second bridge replica whose table is held back behind a gate.
    const { table: lagging, held } = heldReplica(topic, brokers(), bed.cleanup);
    await lagging.start();
    const fresh = await serve({ t: table });
    const slow = await serve({ t: lagging });

    const heldBatch = held.hold();
    await writer.set('k', 'v2');
    await table.barrier(10_000);
    await heldBatch;

    const c1 = await client(fresh.url);
    c1.send({ type: 'subscribe', sub: 's', table: 't' });
    const end = await c1.next('snapshot-end');
    expect(replay(c1.messages, 's', 't').get('k')).toBe('v2');

    const c2 = await client(slow.url);
    c2.send({ type: 'subscribe', sub: 's', table: 't', position: end.position });
    const pending = c2.next('snapshot-end');
    // Nothing is sent while the replica is behind: the old value would be time travel.
    await until(
      (check) => {
        const timer = setInterval(check, 5);
        return () => clearInterval(timer);
      },
      () => slow.bridge.metrics.waitingSubscriptions === 1,
      'the subscribe to wait for the replica',
    );
    expect(c2.messages.filter((m) => m.type !== 'welcome')).toEqual([]);
    held.release();
    await pending;
    expect(replay(c2.messages, 's', 't').get('k')).not.toBe('v1');
  });
});

describe('bridge: positions past the end of the log', () => {
  it('I3: resets a client whose position is beyond the topic end (truncated or recreated topic)', async () => {
    const { writer, table } = await fixture();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const { url } = await serve({ t: table });
    const c = await client(url);
    c.send({
      type: 'subscribe',
      sub: 's',
      table: 't',
      position: { topicId: table.topicId!, offsets: [1_000_000] },
    });
    expect((await c.next('snapshot-begin')).mode).toBe('reset');
    await c.next('snapshot-end');
    expect(Object.fromEntries(replay(c.messages, 's', 't'))).toEqual({ a: 1 });
  });
});
