import { describe, expect, it } from 'vitest';
import { bridgeTestBed, quiet } from '../../../test/bridge-fixtures.js';
import { createBridge } from './create-bridge.js';

const bed = bridgeTestBed('bridge');
const { fixture, serve, client } = bed;

describe('bridge: shutdown', () => {
  it('tells clients to go away and closes their sockets', async () => {
    const { table } = await fixture();
    const bridge = createBridge({ tables: { t: table }, logger: quiet });
    const { url } = await bridge.listen();
    const c = await client(url);
    await c.next('welcome');
    await bridge.close({ graceMs: 2_000 });
    expect((await c.next('goaway')).reason).toMatch(/shutting down/);
    await c.closed();
    expect(c.closeCode).toBe(1001);
  });
});

describe('bridge: heartbeats', () => {
  it('terminates a peer that stops answering pings, and keeps one that answers', async () => {
    const { table } = await fixture();
    // Heartbeats run on injected timers, so the test decides when a beat happens.
    const beats: Array<() => void> = [];
    const timers = {
      setTimeout: (callback: () => void, ms: number) => {
        if (ms === 30_000) {
          beats.push(callback);
          return callback;
        }
        return setTimeout(callback, ms);
      },
      clearTimeout: (handle: unknown) => {
        if (typeof handle !== 'function') clearTimeout(handle as ReturnType<typeof setTimeout>);
      },
    };
    const { url } = await serve({ t: table }, { timers, heartbeatIntervalMs: 30_000 });
    const healthy = await client(url);
    const dead = await client(url);
    await Promise.all([healthy.next('welcome'), dead.next('welcome')]);
    dead.pause();
    beats.shift()!(); // ping both
    // The healthy client's pong arrives; the dead one's never does.
    healthy.send({ type: 'subscribe', sub: 's', table: 't' });
    await healthy.next('snapshot-end');
    beats.shift()!(); // the dead peer missed its pong: terminated
    dead.resume();
    await dead.closed();
    expect(dead.closeCode).toBe(1006);
    // A round trip after the ping means its pong was read first.
    healthy.send({ type: 'unsubscribe', sub: 's' });
    await healthy.next('unsubscribed');
    beats.shift()!();
    healthy.send({ type: 'subscribe', sub: 's2', table: 't' });
    await healthy.next('snapshot-end', (m) => m.sub === 's2');
  });
});
