import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KafkaTable } from '../server/src/kafka-table.js';
import { CRC_REFETCHES } from '../server/src/source/wire/crc-refetches.js';
import { wireSource } from '../server/src/source/wire/wire-source.js';
import { StreamTable } from '../server/src/stream/stream-table.js';
import { codecs } from '../shared/src/codecs/index.js';
import { Cleanup } from './fixtures.js';

// The read path against a broker that misbehaves (test/peers/hostile_broker.py, written apart
// from the wire client): each case ends in a typed failure or a bounded retry, never a crash of
// the process, a loop that spins, or a start() that outwaits its catch-up timeout.

const SCRIPT = fileURLToPath(new URL('./peers/hostile_broker.py', import.meta.url));

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

/** The hostile broker in `mode`; `fetches` emits 'fetch' with the time of each fetch it gets. */
async function hostileBroker(mode: string) {
  const child: ChildProcess = spawn('python3', [SCRIPT, mode], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  cleanup.add(child, (c) => c.kill('SIGKILL'));
  const fetches = new EventEmitter();
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`hostile_broker.py exited with ${code}`)));
    lines.on('line', (line) => {
      const listening = /^listening (\d+)$/.exec(line);
      if (listening) resolve(Number(listening[1]));
      if (line === 'request 1') fetches.emit('fetch', performance.now());
    });
  });
  return { brokers: [`127.0.0.1:${port}`], fetches };
}

const warnings: string[] = [];
const logger = { warn: (message: string) => warnings.push(message), error: () => {} };

function table(brokers: string[], catchupTimeoutMs = 10_000) {
  return cleanup.add(
    new KafkaTable({
      brokers,
      topic: 't',
      valueCodec: codecs.json(),
      ensureTopic: false,
      catchupTimeoutMs,
      logger,
    }),
    (t) => t.stop(),
  );
}

/**
 * A table over the hostile broker in `mode`, warnings cleared, and a wait for the broker to have
 * logged `n` fetches (its log of requests may trail its answers).
 */
async function watchedTable(mode: string) {
  const { brokers, fetches } = await hostileBroker(mode);
  warnings.length = 0;
  let seen = 0;
  fetches.on('fetch', () => seen++);
  const fetched = async (n: number) => {
    while (seen < n) await once(fetches, 'fetch');
  };
  return { t: table(brokers), fetched };
}

describe('the read path against a hostile broker', () => {
  it('reads the well-behaved broker to the end (the peer itself is sound)', async () => {
    const { brokers } = await hostileBroker('normal');
    const t = table(brokers);
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(Object.fromEntries(t.snapshot())).toEqual({
      k0: 'v0',
      k1: 'v1',
      k2: 'v2',
      k3: 'v3',
      k4: 'v4',
    });
  });

  it('catches up although the connection of its first metadata request was reset', async () => {
    const { brokers } = await hostileBroker('reset-first-metadata');
    const t = table(brokers);
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(t.size).toBe(5);
  });

  it.each([
    ['a negative response size, split over two reads', 'negative-size'],
    ['a record batch shorter than its own header', 'negative-batch-length'],
  ])('fails with KAFKA_PROTOCOL_ERROR on %s, the process unharmed', async (_, mode) => {
    const { brokers } = await hostileBroker(mode);
    const t = table(brokers);
    const error = await t.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KAFKA_PROTOCOL_ERROR' });
    expect(t.status).toBe('failed');
  });

  it('fetches a batch that failed its CRC again, and reads it when it comes right', async () => {
    const { t, fetched } = await watchedTable('bad-crc-once');
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(t.get('k2')).toBe('v2');
    await fetched(2);
    expect(warnings.filter((w) => w.includes('fails its CRC'))).toEqual([
      `Partition 0 of "t" answered a batch that fails its CRC; fetching it again (1 of ${CRC_REFETCHES}).`,
    ]);
  });

  it('fails the table once a batch has failed its CRC on every refetch', async () => {
    const { t, fetched } = await watchedTable('bad-crc');
    const error = await t.start().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'KAFKA_PROTOCOL_ERROR',
      message: expect.stringMatching(/offset 0 fails its CRC check/),
    });
    // One warning per refetch, then the failure: the bound, whatever the broker's log shows yet.
    expect(warnings.filter((w) => w.includes('fails its CRC'))).toHaveLength(CRC_REFETCHES);
    expect(t.status).toBe('failed');
    await fetched(1 + CRC_REFETCHES);
  });

  it('reads a batch whose CRC does not match, as it is, from a source built with checkCrcs: false', async () => {
    const { brokers } = await hostileBroker('bad-crc');
    const t = cleanup.add(
      new KafkaTable({
        source: wireSource({ brokers, checkCrcs: false, logger }),
        topic: 't',
        valueCodec: codecs.json(),
        ensureTopic: false,
        catchupTimeoutMs: 10_000,
        logger,
      }),
      (s) => s.stop(),
    );
    await t.start();
    expect(t.status).toBe('caught_up');
    expect(t.get('k2')).toBe('v0');
  });

  it('fails a stream table with KAFKA_PROTOCOL_ERROR on a record claiming more headers than it holds', async () => {
    const { brokers } = await hostileBroker('header-count-past-record');
    const t = cleanup.add(
      new StreamTable({
        brokers,
        topic: 't',
        valueCodec: codecs.json(),
        headers: true,
        start: 'earliest',
        catchupTimeoutMs: 10_000,
        logger,
      }),
      (s) => s.stop(),
    );
    const error = await t.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KAFKA_PROTOCOL_ERROR' });
  });

  it.each([
    ['answers part of a batch and nothing whole, every time', 'partial-only'],
    ['says the earliest offset it lists is out of range, every time', 'out-of-range'],
  ])('backs off, warns once and stays degraded when the broker %s', async (_, mode) => {
    const { brokers, fetches } = await hostileBroker(mode);
    warnings.length = 0;
    const t = table(brokers, 300);
    const times: number[] = [];
    fetches.on('fetch', (at: number) => times.push(at));
    await t.start();
    expect(t.status).toBe('degraded');
    while (times.length < 4) await once(fetches, 'fetch');
    // Two waits of the backoff (at least 50 and 100 ms, doubling from retryMs with jitter)
    // between the second fetch and the fourth; a loop without one asks again within a
    // millisecond, as fast as the broker answers.
    expect(times[3]! - times[1]!).toBeGreaterThanOrEqual(150);
    expect(warnings.filter((w) => w.includes('retrying with backoff'))).toHaveLength(1);
    expect(t.status).toBe('degraded');
  });

  it('warns once, not once per cycle, about a broker that drops the connection after every fetch', async () => {
    const { t, fetched } = await watchedTable('close-after-fetch');
    await t.start();
    expect(t.size).toBe(5);
    await fetched(6);
    expect(warnings.filter((w) => w.includes('retrying with backoff'))).toHaveLength(1);
  });

  it('resolves start() as degraded at its catch-up timeout while a silent broker holds the offsets', async () => {
    const { brokers } = await hostileBroker('silent');
    const t = table(brokers, 300);
    await t.start();
    expect(t.status).toBe('degraded');
  });
});
