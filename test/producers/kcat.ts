import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Runs kcat with `args`, `input` on its stdin, and resolves with what it printed. Rejects when
 * it cannot start or exits non-zero, and, for a producer (`-P`), when its stderr reports an
 * error: kcat exits 0 even when some deliveries failed, and only says so there.
 */
export async function runKcat(args: readonly string[], input?: string): Promise<string> {
  const child = spawn('kcat', args, {
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  if (input !== undefined) child.stdin!.end(input);
  // 'close', not 'exit': every byte of stdout has been read by then.
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  if (code !== 0 || (args.includes('-P') && /ERROR|failed/i.test(errors))) {
    throw new Error(`kcat ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${errors}`);
  }
  return output;
}

export interface KcatProduceOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /** Headers added to every record (kcat's -H applies to the whole run). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra librdkafka properties (-X), e.g. `{ 'enable.idempotence': 'true' }`. */
  readonly config?: Readonly<Record<string, string>>;
  /** Key, then value; `null` is a tombstone. Neither may hold a tab or a newline. */
  readonly records: ReadonlyArray<readonly [key: string, value: string | null]>;
}

/**
 * Writes records with kcat, a real librdkafka producer: one "key<TAB>value" line per record, and
 * -Z so that an empty value goes out as NULL, a tombstone. (An empty value cannot be sent, so
 * records must not use '' as data.)
 */
export async function produceWithKcat(options: KcatProduceOptions): Promise<void> {
  const args = ['-P', '-b', options.brokers.join(','), '-t', options.topic, '-K', '\t', '-Z'];
  args.push('-z', options.compression ?? 'none');
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    args.push('-H', `${name}=${value}`);
  }
  // Acks from every in-sync replica before kcat exits, so the data is there when we return; and
  // the Java client's murmur2 partitioner (librdkafka's default is CRC32), so a key lands in
  // the same partition whichever producer wrote it.
  args.push('-X', 'acks=all', '-X', 'partitioner=murmur2_random');
  for (const [name, value] of Object.entries(options.config ?? {}))
    args.push('-X', `${name}=${value}`);
  const lines: string[] = [];
  for (const [key, value] of options.records) {
    if (/[\t\n]/.test(key) || (value !== null && /[\t\n]/.test(value)) || value === '') {
      throw new TypeError(`kcat cannot send ${JSON.stringify([key, value])} as a line.`);
    }
    lines.push(`${key}\t${value ?? ''}`);
  }
  await runKcat(args, `${lines.join('\n')}\n`);
}

/** A record as kcat printed it; `value: null` is a tombstone. */
export interface KcatRecord {
  readonly key: string;
  readonly value: string | null;
  /** kcat's rendering: "name=value,name=value", or '' for none. */
  readonly headers: string;
}

/**
 * Every record of `topic` (all partitions, read_committed), read by librdkafka: a reader we did
 * not write, to check test data independently of the table. Keys and values must not hold a tab
 * or a newline, and no value may be the text NULL.
 */
export async function readWithKcat(
  brokers: readonly string[],
  topic: string,
): Promise<KcatRecord[]> {
  const args = ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-Z'];
  args.push('-X', 'isolation.level=read_committed', '-f', '%k\t%s\t%h\n');
  const output = await runKcat(args);
  return output
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const [key = '', value = '', headers = ''] = line.split('\t');
      return { key, value: value === 'NULL' ? null : value, headers };
    });
}

/** The last value per key of `records` (in the order read; keys must not span partitions). */
export function lastValues(records: readonly KcatRecord[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const { key, value } of records) {
    if (value === null) map.delete(key);
    else map.set(key, value);
  }
  return map;
}
