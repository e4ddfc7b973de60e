import type { StreamRow } from '../../server/src/stream/stream-row.js';
import type { JavaRecord, JavaStep } from './java-producer.js';

/** A record's headers as a stream row shows them: `[name, value | null]` in written order. */
export function rowHeaders(record: JavaRecord): Array<[string, string | null]> {
  const headers = record.headers;
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers.map(([k, v]) => [k, v]);
  return Object.entries(headers as Record<string, string>);
}

/**
 * The rows a stream table must show after reading `steps` of one producer from the beginning,
 * per partition in offset order. Every record names its partition. Offsets follow the write
 * order; in a transactional job each transaction ends with a marker that takes one offset in
 * every partition it wrote to, and an aborted transaction's records take offsets but show no row.
 */
export function expectedRows(
  steps: readonly JavaStep[],
  transactional: boolean,
): Map<number, StreamRow<string>[]> {
  const next = new Map<number, number>();
  const rows = new Map<number, StreamRow<string>[]>();
  for (const step of steps) {
    const touched = new Set<number>();
    for (const record of step.records) {
      const partition = record.partition;
      if (partition === undefined || record.timestamp === undefined) {
        throw new TypeError('expectedRows needs a partition and a timestamp on every record.');
      }
      const offset = next.get(partition) ?? 0;
      next.set(partition, offset + 1);
      touched.add(partition);
      if (step.end === 'abort') continue;
      const list = rows.get(partition) ?? [];
      rows.set(partition, list);
      list.push({
        key: record.key,
        value: record.value,
        timestamp: record.timestamp,
        partition,
        offset,
        headers: rowHeaders(record),
      });
    }
    if (transactional) for (const p of touched) next.set(p, (next.get(p) ?? 0) + 1);
  }
  return rows;
}

/** A table's rows grouped by partition, each group in the table's (arrival) order. */
export function rowsByPartition<T>(rows: Iterable<StreamRow<T>>): Map<number, StreamRow<T>[]> {
  const grouped = new Map<number, StreamRow<T>[]>();
  for (const row of rows) {
    const list = grouped.get(row.partition) ?? [];
    grouped.set(row.partition, list);
    list.push(row);
  }
  return grouped;
}
