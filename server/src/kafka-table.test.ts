import { describe, expect, it } from 'vitest';
import { json } from '../../shared/src/codecs/json.js';
import type { Timers } from './environment.js';
import { TablecastError } from './errors.js';
import { KafkaTable } from './kafka-table.js';
import type { ConsumeOptions, KafkaSource, PartitionOffsets } from './source/kafka-source.js';

const quiet = { warn: () => {}, error: () => {} };
const enc = new TextEncoder();

/** Timers that fire only when the test says so. */
function manualTimers() {
  let now = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  let nextId = 0;
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      pending.set(++nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  return {
    timers,
    get pending() {
      return pending.size;
    },
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...pending]) {
        if (timer.at > now) continue;
        pending.delete(id);
        timer.callback();
      }
    },
  };
}

/** A KafkaSource the test drives: one partition, batches delivered by hand. */
function fakeSource(offsets: PartitionOffsets[] | Error = [{ partition: 0, earliest: 0, end: 1 }]) {
  let consume: ConsumeOptions | undefined;
  const closed = { subscription: 0, source: 0 };
  const source: KafkaSource = {
    offsets: async () => {
      if (offsets instanceof Error) throw offsets;
      return offsets;
    },
    consume: async (options) => {
      consume = options;
      return {
        close: async () => {
          closed.subscription++;
        },
      };
    },
    close: async () => {
      closed.source++;
    },
  };
  return {
    source,
    closed,
    deliver(offset: number, key: string, value: unknown) {
      const record = {
        offset,
        timestamp: 0,
        key: enc.encode(key),
        value: enc.encode(JSON.stringify(value)),
      };
      return consume!.onBatch({ partition: 0, records: [record], nextOffset: offset + 1 });
    },
    onBatch: (batch: Parameters<ConsumeOptions['onBatch']>[0]) => consume!.onBatch(batch),
    die: (error: unknown) => consume!.onFatal(error),
  };
}

function tableOver(fake: ReturnType<typeof fakeSource>, timers = manualTimers()) {
  const table = new KafkaTable({
    topic: 'fake',
    valueCodec: json(),
    source: fake.source,
    ensureTopic: false,
    catchupTimeoutMs: 1_000,
    logger: quiet,
    timers: timers.timers,
  });
  return { table, timers };
}

describe('KafkaTable lifecycle', () => {
  it('whenCaughtUp resolves true when a table that started degraded catches up later', async () => {
    const fake = fakeSource();
    const { table, timers } = tableOver(fake);
    const started = table.start();
    await new Promise((resolve) => setImmediate(resolve));
    timers.advance(1_000);
    await started;
    expect(table.status).toBe('degraded');
    const caughtUp = table.whenCaughtUp(5_000);
    await fake.deliver(0, 'a', 1);
    expect(await caughtUp).toBe(true);
    expect(table.status).toBe('caught_up');
    expect(await table.whenCaughtUp(1)).toBe(true);
    expect(timers.pending).toBe(0);
    await table.stop();
  });

  it('resolves start as degraded at the catch-up timeout while the offsets are still being asked for, and reads on once they come', async () => {
    const fake = fakeSource();
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const slow: KafkaSource = {
      ...fake.source,
      offsets: async (topic) => {
        await answered;
        return fake.source.offsets(topic);
      },
    };
    const { table, timers } = tableOver({ ...fake, source: slow });
    const started = table.start();
    timers.advance(1_000);
    await started;
    expect(table.status).toBe('degraded');
    const caughtUp = table.whenCaughtUp(5_000);
    answer();
    // The rest of the start (offsets, then consume) runs on the next turns of the loop.
    await new Promise((resolve) => setImmediate(resolve));
    await fake.deliver(0, 'a', 1);
    expect(await caughtUp).toBe(true);
    expect(table.get('a')).toBe(1);
    await table.stop();
    expect(timers.pending).toBe(0);
  });

  it('whenCaughtUp resolves false on timeout, on stop, and at once after stop', async () => {
    const fake = fakeSource();
    const { table, timers } = tableOver(fake);
    const started = table.start();
    const early = table.whenCaughtUp(100);
    timers.advance(100);
    expect(await early).toBe(false);
    const late = table.whenCaughtUp(60_000);
    await table.stop();
    expect(await late).toBe(false);
    await started.catch(() => undefined);
    expect(await table.whenCaughtUp(60_000)).toBe(false);
    expect(timers.pending).toBe(0);
  });

  it('turns a dying reader into a failed table with a KAFKA_ERROR and releases what it holds', async () => {
    const fake = fakeSource();
    const { table, timers } = tableOver(fake);
    const started = table.start();
    await new Promise((resolve) => setImmediate(resolve));
    await fake.deliver(0, 'a', 1);
    await started;
    let changes = 0;
    table.onChanges(() => changes++);
    const caughtUpAgain = table.waitFor({ partition: 0, offset: 99 }, 60_000);
    const cause = new Error('broker gone');
    fake.die(cause);
    expect(table.status).toBe('failed');
    expect(table.failure).toBeInstanceOf(TablecastError);
    expect(table.failure).toMatchObject({ code: 'KAFKA_ERROR', cause });
    expect(table.failure?.message).toContain('broker gone');
    expect(await caughtUpAgain).toBe(false);
    expect(await table.whenCaughtUp(60_000)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.closed.subscription).toBe(1);
    expect(timers.pending).toBe(0);
    await fake.deliver(1, 'b', 2);
    expect(changes).toBe(0);
    expect(table.get('a')).toBe(1);
    expect(table.has('b')).toBe(false);
    await table.stop();
    expect(fake.closed.subscription).toBe(1);
  });

  it('fails start with a KAFKA_ERROR that carries the cause, and cancels its timers', async () => {
    const cause = new Error('connection refused');
    const fake = fakeSource(cause);
    const { table, timers } = tableOver(fake);
    const error = await table.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TablecastError);
    expect(error).toMatchObject({ code: 'KAFKA_ERROR', cause });
    expect(table.failure).toBe(error);
    expect(table.status).toBe('failed');
    expect(await table.whenCaughtUp(60_000)).toBe(false);
    expect(timers.pending).toBe(0);
  });

  it('fails with TABLE_FAILED when applying a batch throws, instead of retrying it forever', async () => {
    const fake = fakeSource();
    const { table } = tableOver(fake);
    const started = table.start();
    await new Promise((resolve) => setImmediate(resolve));
    await fake.onBatch({ partition: 0, records: null as never, nextOffset: 1 });
    await expect(started).rejects.toMatchObject({ code: 'TABLE_FAILED' });
    expect(table.status).toBe('failed');
  });
});
