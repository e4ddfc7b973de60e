import type { StreamRow } from '../../../shared/src/protocol/stream-row.js';

export type { StreamRow };

/** The order of a stream's rows: by time, then partition, then offset. */
export function compareRows(a: StreamRow<unknown>, b: StreamRow<unknown>): number {
  return a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;
}

/**
 * Why `value`, received under row id `id`, is not a stream row, or undefined when it is one: a
 * row has an integer `timestamp` (past 2^53 too: Kafka times are longs), safe integer
 * `partition` and `offset`, not negative, matching its id `"<partition>:<offset>"`, a string or
 * null `key`, a `value`, and `headers` absent or a list of `[string, string | null]`. Checked
 * per row, so a peer's mistake costs that row only.
 *
 * @example rowProblem('0:7', { key: null, value: 1, timestamp: 5, partition: 0, offset: 7 }) // undefined
 * @example rowProblem('0:7', { key: null, value: 1, timestamp: 5, partition: 0, offset: 8 }) // 'row "0:7" holds record 0:8'
 */
export function rowProblem(id: string, value: unknown): string | undefined {
  const row = value as Record<string, unknown> | null;
  const problem =
    typeof row !== 'object' || row === null || Array.isArray(row)
      ? 'is not an object'
      : // Any Kafka time, even one past 2^53 that JSON brought rounded.
        !Number.isInteger(row.timestamp)
        ? 'has no integer timestamp'
        : !(natural(row.partition) && natural(row.offset))
          ? 'has no valid partition and offset'
          : id !== `${row.partition}:${row.offset}`
            ? `holds record ${row.partition}:${row.offset}`
            : (row.key !== null && typeof row.key !== 'string') || !('value' in row)
              ? 'has no text or null key, or no value'
              : row.headers !== undefined &&
                  !(Array.isArray(row.headers) && row.headers.every(isHeader))
                ? 'has headers that are not [name, text | null] pairs'
                : undefined;
  return problem && `row "${id}" ${problem}`;
}

function natural(n: unknown): boolean {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

function isHeader(header: unknown): boolean {
  return (
    Array.isArray(header) &&
    header.length === 2 &&
    typeof header[0] === 'string' &&
    (header[1] === null || typeof header[1] === 'string')
  );
}
