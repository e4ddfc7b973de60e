import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureKafkaJars } from '../../scripts/kafka/fetch.js';
import { javaBinary } from './java-producer.js';

/** One record batch as `kafka.tools.DumpLogSegments` describes it. */
export interface DumpedBatch {
  /** The segment file the batch is in. */
  readonly segment: string;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly count: number;
  readonly producerId: number;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
}

/** The partition's folder under a broker's log dir. */
export function partitionDir(logDir: string, topic: string, partition: number): string {
  return join(logDir, `${topic}-${partition}`);
}

/**
 * Every batch of every segment of a partition, in offset order, as the broker's tool reads them.
 * The cleaner goes on while the tool runs, and may replace a segment between the listing and
 * the read: then the partition is listed and read again (a few times at most), so the batches
 * returned always come from one listing whose files all existed.
 */
export async function dumpLogSegments(dir: string): Promise<DumpedBatch[]> {
  for (let attempt = 1; ; attempt++) {
    const dumped = await dumpOnce(dir);
    if (dumped !== 'segment-replaced') return dumped;
    if (attempt === 5) throw new Error(`the segments of ${dir} kept changing under 5 reads`);
  }
}

async function dumpOnce(dir: string): Promise<DumpedBatch[] | 'segment-replaced'> {
  const segments = (await readdir(dir)).filter((name) => name.endsWith('.log')).sort();
  if (segments.length === 0) return [];
  const libs = await ensureKafkaJars();
  const child = spawn(
    javaBinary(),
    [
      '-Xmx128m',
      '-cp',
      join(libs, '*'),
      'kafka.tools.DumpLogSegments',
      '--files',
      segments.map((name) => join(dir, name)).join(','),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 && output.includes('java.nio.file.NoSuchFileException')) return 'segment-replaced';
  if (code !== 0) throw new Error(`DumpLogSegments failed (exit ${code}):\n${output}`);
  return parseBatches(output);
}

function parseBatches(output: string): DumpedBatch[] {
  const batches: DumpedBatch[] = [];
  let segment = '';
  for (const line of output.split('\n')) {
    const dumping = /^Dumping (\S+)/.exec(line);
    if (dumping) segment = dumping[1]!;
    if (!line.startsWith('baseOffset:')) continue;
    const field = (name: string) => new RegExp(`\\b${name}: (\\S+)`).exec(line)?.[1];
    batches.push({
      segment,
      baseOffset: Number(field('baseOffset')),
      lastOffset: Number(field('lastOffset')),
      count: Number(field('count')),
      producerId: Number(field('producerId')),
      isTransactional: field('isTransactional') === 'true',
      isControl: field('isControl') === 'true',
    });
  }
  return batches.sort((a, b) => a.baseOffset - b.baseOffset);
}

/**
 * Resolves once the log cleaner has cleaned `topic`'s partition up to at least `offset`, as its
 * checkpoint file says (the broker writes it after every cleaning). Polls the file, which is
 * cheap, until `timeoutMs`.
 */
export async function cleanedUpTo(
  logDir: string,
  topic: string,
  partition: number,
  offset: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  for (;;) {
    seen = await cleanerCheckpoint(logDir, topic, partition);
    if (seen >= offset) return seen;
    if (Date.now() > deadline) {
      throw new Error(
        `the log cleaner did not clean ${topic}-${partition} up to ${offset} within ${timeoutMs} ms (checkpoint ${seen})`,
      );
    }
    await sleep(100);
  }
}

async function cleanerCheckpoint(
  logDir: string,
  topic: string,
  partition: number,
): Promise<number> {
  const text = await readFile(join(logDir, 'cleaner-offset-checkpoint'), 'utf8').catch(() => '');
  // Format: a version line, a count line, then "topic partition offset" per line.
  for (const line of text.split('\n').slice(2)) {
    const [name, p, offset] = line.trim().split(' ');
    if (name === topic && Number(p) === partition) return Number(offset);
  }
  return -1;
}
