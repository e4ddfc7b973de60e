import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KafkaBroker } from '../scripts/kafka/broker.js';
import { KafkaTable } from '../server/src/kafka-table.js';
import { codecs } from '../shared/src/codecs/index.js';
import { Cleanup, connectAdmin, createTopic, testKafka } from './fixtures.js';
import { uniqueTopic } from './kafka.js';
import { expectedFrom, keyedRecords, tombstones } from './producers/dataset.js';
import {
  cleanedUpTo,
  type DumpedBatch,
  dumpLogSegments,
  partitionDir,
} from './producers/dump-log-segments.js';
import { type JavaJob, type JavaStep, produceWithJava } from './producers/java-producer.js';
import { lastValues, readWithKcat } from './producers/kcat.js';

// A log the real cleaner has compacted. The cleaner keeps an idempotent producer's last batch
// even when it removes every record in it (the broker needs its sequence numbers), so a cleaned
// log holds batches with zero records and more data after them. A reader that takes an empty
// batch for the end of data stops there (tulios/kafkajs#562).

const quiet = { warn: () => {}, error: () => {} };

/**
 * The tests of a cleaned log, on `ownBroker()`: a broker whose data dir this process can read
 * and whose cleaner runs often (`log.cleaner.backoff.ms` 100; the default waits 15 s).
 */
export function logCleaningSuite(ownBroker: () => KafkaBroker): void {
  let setup: Cleanup;
  beforeEach(() => {
    setup = new Cleanup();
  });
  afterEach(() => setup.dispose());

  describe('a log compacted by the real cleaner', () => {
    it('is read to the end through the empty batches the cleaner leaves, with every live key', async () => {
      const topic = uniqueTopic('cleaned');
      const admin = await connectAdmin(testKafka([ownBroker().brokers]), setup);
      await createTopic(admin, topic, 1, {
        'cleanup.policy': 'compact',
        // Every batch rolls a new segment (only closed segments are cleaned); the cleaner takes
        // any dirt, and tombstones go soon after.
        'segment.ms': '1',
        // The smallest Kafka allows. The cleaner rewrites runs of segments that fit in this size
        // into one, so the ~1 KB records below decide where a cleaned segment ends.
        'segment.bytes': String(1024 * 1024),
        // Any dirt at all: the third producer's few small records are far below 1% of the log,
        // and a pass that ran before they arrived would otherwise leave them uncleaned for good.
        'min.cleanable.dirty.ratio': '0',
        'min.compaction.lag.ms': '0',
        'delete.retention.ms': '100',
      });
      const large = { textRepeat: 50 };
      // Three producers (three producer ids), one after the other, each step one batch in a
      // segment of its own. The cleaner rewrites runs of segments that fit in 1 MB into one:
      // the first producer's batches (~640 + ~320 KB) fit together, and neither that cleaned
      // segment nor it before cleaning fits with the next batch (~480 KB), so the boundary
      // stays after the first producer's last batch however many passes the cleaner makes.
      // The second producer overwrites every key of that last batch: the cleaner empties it but
      // keeps it, and the cleaned segment ends in an empty batch with more data after it.
      const first: JavaStep[] = [
        { records: keyedRecords('a', 600, 1, large) },
        { records: keyedRecords('e', 300, 1, large) },
      ];
      const second: JavaStep[] = [
        { records: [...keyedRecords('e', 300, 2, large), ...keyedRecords('d', 150, 2, large)] },
        { records: [...keyedRecords('b', 10, 3), ...tombstones('a', 600, 50)] },
      ];
      const third: JavaStep[] = [
        { records: keyedRecords('c', 10, 5) },
        { records: keyedRecords('b', 5, 6) },
      ];
      const oneBatchPerStep = { 'batch.size': String(1024 * 1024), 'linger.ms': '60000' };
      const jobs: JavaJob[] = [first, second, third].map((steps) => ({
        topic,
        steps,
        config: oneBatchPerStep,
      }));
      await produceWithJava({ bootstrap: ownBroker().brokers, jobs });
      const all = [...first, ...second, ...third];
      const end = expectedFrom(all);
      const totalWritten = all.reduce((n, s) => n + s.records.length, 0);

      const logDir = join(ownBroker().dataDir, 'kraft-logs');
      // The last segment stays active and uncleaned; the cleaner reaches the third producer.
      await cleanedUpTo(logDir, topic, 0, totalWritten - 15, 30_000);
      const batches = await dumpLogSegments(partitionDir(logDir, topic, 0));
      const endsSegment = (b: DumpedBatch, i: number) =>
        batches[i + 1] === undefined || batches[i + 1]!.segment !== b.segment;
      const emptyAtSegmentEnd = batches.filter(
        (b, i) => b.count === 0 && !b.isControl && endsSegment(b, i),
      );
      expect(emptyAtSegmentEnd.length, JSON.stringify(batches)).toBeGreaterThan(0);
      const lastEmpty = emptyAtSegmentEnd.at(-1)!;
      expect(batches.some((b) => b.baseOffset > lastEmpty.lastOffset && b.count > 0)).toBe(true);
      // librdkafka reads the cleaned log to the model's map: the model is right.
      expect(lastValues(await readWithKcat([ownBroker().brokers], topic))).toEqual(end.map);

      const table = setup.add(
        new KafkaTable({
          brokers: [ownBroker().brokers],
          topic,
          valueCodec: codecs.utf8(),
          ensureTopic: false,
          catchupTimeoutMs: 15_000,
          logger: quiet,
        }),
        (t) => t.stop(),
      );
      await table.start();
      expect(table.status).toBe('caught_up');
      expect(table.snapshot()).toEqual(end.map);
      expect(table.position).toEqual([totalWritten]);
      expect(table.stats).toMatchObject({ keyDecodeErrors: 0, valueDecodeErrors: 0 });
      // Cleaned away: fewer records replayed than were written.
      expect(table.stats.recordsApplied).toBeLessThan(totalWritten);
    });
  });
}
