import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KafkaTable } from '../server/src/kafka-table.js';
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
    ['a record batch whose CRC-32C does not match its bytes', 'bad-crc'],
  ])('fails with KAFKA_PROTOCOL_ERROR on %s, the process unharmed', async (_, mode) => {
    const { brokers } = await hostileBroker(mode);
    const t = table(brokers);
    const error = await t.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KAFKA_PROTOCOL_ERROR' });
    expect(t.status).toBe('failed');
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
    const { brokers, fetches } = await hostileBroker('close-after-fetch');
    warnings.length = 0;
    let count = 0;
    fetches.on('fetch', () => count++);
    const t = table(brokers);
    await t.start();
    expect(t.size).toBe(5);
    while (count < 6) await once(fetches, 'fetch');
    expect(warnings.filter((w) => w.includes('retrying with backoff'))).toHaveLength(1);
  });

  it('resolves start() as degraded at its catch-up timeout while a silent broker holds the offsets', async () => {
    const { brokers } = await hostileBroker('silent');
    const t = table(brokers, 300);
    await t.start();
    expect(t.status).toBe('degraded');
  });
});
