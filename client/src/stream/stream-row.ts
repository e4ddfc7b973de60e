/**
 * One row of a stream table: one Kafka record. A stream table's keys are row ids
 * `"<partition>:<offset>"` and its values are these rows (see docs/PROTOCOL.md, Stream tables).
 */
export interface StreamRow<T> {
  readonly key: string | null;
  readonly value: T | null;
  /** Milliseconds since the epoch: the producer's time, or the broker's for LogAppendTime topics. */
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;
  /** The record's headers as text, when the bridge's table asks for them. */
  readonly headers?: ReadonlyArray<readonly [string, string | null]>;
}

/** The order of a stream's rows: by time, then partition, then offset. */
export function compareRows(a: StreamRow<unknown>, b: StreamRow<unknown>): number {
  return a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;
}

/**
 * Why `value`, received under row id `id`, is not a stream row, or undefined when it is one: a
 * row has integer `timestamp`, `partition` and `offset` (the last two not negative) matching its
 * id `"<partition>:<offset>"`, a string or null `key`, a `value`, and `headers` absent or a list
 * of `[string, string | null]`. Checked per row, so a peer's mistake costs that row only.
 *
 * @example rowProblem('0:7', { key: null, value: 1, timestamp: 5, partition: 0, offset: 7 }) // undefined
 * @example rowProblem('0:7', { key: null, value: 1, timestamp: 5, partition: 0, offset: 8 }) // 'row id "0:7" …'
 */
export function rowProblem(id: string, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `row "${id}" is not an object`;
  }
  const row = value as Record<string, unknown>;
  for (const field of ['timestamp', 'partition', 'offset'] as const) {
    if (!Number.isSafeInteger(row[field])) return `row "${id}" has no integer ${field}`;
  }
  const { partition, offset } = row as { partition: number; offset: number };
  if (partition < 0 || offset < 0) return `row "${id}" has a negative partition or offset`;
  if (id !== `${partition}:${offset}`) {
    return `row id "${id}" does not match its partition ${partition} and offset ${offset}`;
  }
  if (row.key !== null && typeof row.key !== 'string')
    return `row "${id}" has a key that is not text`;
  if (!('value' in row)) return `row "${id}" has no value`;
  const headers = row.headers;
  if (headers !== undefined) {
    if (!Array.isArray(headers)) return `row "${id}" has headers that are not a list`;
    for (const header of headers) {
      if (
        !Array.isArray(header) ||
        header.length !== 2 ||
        typeof header[0] !== 'string' ||
        (header[1] !== null && typeof header[1] !== 'string')
      ) {
        return `row "${id}" has a header that is not [name, text or null]`;
      }
    }
  }
  return undefined;
}
