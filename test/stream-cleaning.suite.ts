import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KafkaBroker } from '../scripts/kafka/broker.js';
import type { StreamRow } from '../server/src/stream/stream-row.js';
import { StreamTable } from '../server/src/stream/stream-table.js';
import { codecs } from '../shared/src/codecs/index.js';
import { Cleanup, connectAdmin, createTopic, testKafka } from './fixtures.js';
import { uniqueTopic } from './kafka.js';
import { cleanedUpTo, dumpLogSegments, partitionDir } from './producers/dump-log-segments.js';
import { type JavaRecord, type JavaStep, produceWithJava } from './producers/java-producer.js';
import { runKcat } from './producers/kcat.js';

// A compacted topic read as a stream after the real cleaner ran: the rows are exactly the
// records that survived, at their original offsets and with their original times. Cleaning
// rewrites batches (and, in Kafka 4, may store a tombstone batch's delete horizon in its
// base timestamp, KIP-534), so times computed from the batch header rather than per record
// would show here.

const quiet = { warn: () => {}, error: () => {} };
const T = Date.UTC(2024, 1, 29);

/** `offset timestamp key value` of every record, as librdkafka reads the cleaned log. */
async function kcatRecords(bootstrap: string, topic: string): Promise<string[]> {
  const args = ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-Z'];
  args.push('-f', '%o %T %k %s\n');
  const output = await runKcat(args);
  return output.trim().split('\n');
}

export function streamCleaningSuite(ownBroker: () => KafkaBroker): void {
  let setup: Cleanup;
  beforeEach(() => {
    setup = new Cleanup();
  });
  afterEach(() => setup.dispose());

  describe('a compacted topic read as a stream after the cleaner ran', () => {
    it('shows exactly the surviving records, at their offsets, with their own times', async () => {
      const topic = uniqueTopic('stream-cleaned');
      const bootstrap = ownBroker().brokers;
      const admin = await connectAdmin(testKafka([bootstrap]), setup);
      await createTopic(admin, topic, 1, {
        'cleanup.policy': 'compact',
        // Every batch rolls a segment; the cleaner takes any dirt at once.
        'segment.ms': '1',
        'min.cleanable.dirty.ratio': '0',
        'min.compaction.lag.ms': '0',
        // Tombstones stay (as rows with a null value) for the whole test.
        'delete.retention.ms': '3600000',
        'message.timestamp.before.max.ms': '9223372036854775807',
        'message.timestamp.after.max.ms': '9223372036854775807',
      });
      const at = (key: string, value: string | null, timestamp: number): JavaRecord => ({
        key,
        value,
        timestamp,
      });
      const steps: JavaStep[] = [
        // Offsets 0-9.
        { records: Array.from({ length: 10 }, (_, i) => at(`a${i}`, `a${i} v1`, T + i * 1000)) },
        // 10-14 overwrite a0-a4, 15-16 delete a5 and a6.
        {
          records: [
            ...Array.from({ length: 5 }, (_, i) => at(`a${i}`, `a${i} v2`, T + 100_000 - i)),
            at('a5', null, T + 200_000),
            at('a6', null, T + 200_001),
          ],
        },
        // 17-19: times far apart within one batch, both ways.
        { records: [at('b0', 'b0', 0), at('b1', 'b1', T * 2), at('b2', 'b2', 5)] },
        // 20: the active segment, never cleaned. The broker rolls a segment by record time (a
        // batch's max time past the segment's first batch's by segment.ms), so it comes last.
        { records: [at('z', 'z', T * 2 + 10)] },
      ];
      await produceWithJava({
        bootstrap,
        jobs: [{ topic, steps, config: { 'batch.size': '1048576', 'linger.ms': '60000' } }],
      });
      const logDir = join(ownBroker().dataDir, 'kraft-logs');
      await cleanedUpTo(logDir, topic, 0, 20, 30_000).catch(async (error: Error) => {
        const batches = await dumpLogSegments(partitionDir(logDir, topic, 0));
        throw new Error(`${error.message}; the log: ${JSON.stringify(batches)}`);
      });

      // The last record of each key survives, and so does every tombstone (delete.retention.ms).
      const survivors: Array<[offset: number, key: string, value: string | null, ts: number]> = [];
      const written = steps.flatMap((s) => s.records);
      const lastOffsetOf = new Map(written.map((r, offset) => [r.key!, offset]));
      written.forEach((r, offset) => {
        if (lastOffsetOf.get(r.key!) === offset) {
          survivors.push([offset, r.key!, r.value, r.timestamp!]);
        }
      });
      // librdkafka reads the same survivors from the cleaned log: the model is right, and the
      // cleaner did remove the overwritten records.
      expect(await kcatRecords(bootstrap, topic)).toEqual(
        survivors.map(([o, k, v, ts]) => `${o} ${ts} ${k} ${v ?? 'NULL'}`),
      );

      for (const via of ['wire', 'kafkajs'] as const) {
        const table = setup.add(
          new StreamTable({
            ...(via === 'kafkajs' ? { kafka: testKafka([bootstrap]) } : { brokers: [bootstrap] }),
            topic,
            valueCodec: codecs.utf8(),
            start: 'earliest',
            catchupTimeoutMs: 15_000,
            logger: quiet,
          }),
          (t) => t.stop(),
        );
        await table.start();
        expect(table.status).toBe('caught_up');
        const rows = [...table.snapshot().values()] as StreamRow<string>[];
        expect(
          rows.map((r) => [r.offset, r.key, r.value, r.timestamp]),
          `${via} source`,
        ).toEqual(survivors);
        expect(table.position).toEqual([written.length]);
      }
    });
  });
}
