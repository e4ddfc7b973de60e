import type { Position, TableStatus } from '../../../shared/src/protocol/index.js';
import type { WireEntry } from '../table-types.js';

/**
 * Builds message frames by splicing the tables' stored wire text into JSON, so values are sent
 * without being decoded and encoded again. Each frame is the JSON of the message that
 * `encodeMessage` would make (same fields, same order); only the value text is copied as the
 * table stores it. Keys, names and positions go through JSON.stringify.
 */

/** One set of a `sets` array, `["key",<wire value>]`. */
export function wireSet(key: string, text: string, plain: boolean): string {
  return plain ? `[${JSON.stringify(key)},[${text}]]` : `[${JSON.stringify(key)},${text}]`;
}

/** {@link wireSet} of a stored entry. */
export function wireSetOf(entry: WireEntry): string {
  return wireSet(entry[0], entry[1], entry[2]);
}

/**
 * A snapshot part of stored entries, built in one pass: an array of set strings joined took a
 * fifth of a snapshot's CPU on the bridge.
 */
export function snapshotPartFrame(
  sub: string,
  sets: ReadonlyArray<readonly [string, { readonly text: string; readonly plain: boolean }]>,
  deletes: readonly string[],
): string {
  let frame = `{"type":"snapshot-part","sub":${JSON.stringify(sub)},"sets":[`;
  for (let i = 0; i < sets.length; i++) {
    const [key, entry] = sets[i]!;
    if (i > 0) frame += ',';
    frame += entry.plain
      ? `[${JSON.stringify(key)},[${entry.text}]]`
      : `[${JSON.stringify(key)},${entry.text}]`;
  }
  return `${frame}],"deletes":${JSON.stringify(deletes)}}`;
}

/** A delta for every unfiltered subscription of `table`, or for the one subscription `sub`. */
export function deltaFrame(
  to: { readonly table: string } | { readonly sub: string },
  sets: readonly string[],
  deletes: readonly string[],
  position: Position,
): string {
  const target =
    'table' in to ? `"table":${JSON.stringify(to.table)}` : `"sub":${JSON.stringify(to.sub)}`;
  return `{"type":"delta",${target},"sets":[${sets.join(',')}],"deletes":${JSON.stringify(deletes)},"position":${JSON.stringify(position)}}`;
}

/** The `GET /tables/:name?format=bootstrap` body: `{ table, status, position, sets }`. */
export function bootstrapBody(
  table: string,
  status: TableStatus,
  position: Position,
  entries: Iterable<WireEntry>,
): string {
  const sets: string[] = [];
  for (const entry of entries) sets.push(wireSetOf(entry));
  return `{"table":${JSON.stringify(table)},"status":${JSON.stringify(status)},"position":${JSON.stringify(position)},"sets":[${sets.join(',')}]}`;
}

/**
 * The plain JSON of a stored value, for the HTTP reads that answer plain JSON: the text itself
 * when plain, else the `json` half of its wire value (superjson's plain form: a Date as its ISO
 * string, a Map as its entries, a BigInt as its digits).
 */
export function plainJson(text: string, plain: boolean): string {
  return plain ? text : JSON.stringify((JSON.parse(text) as [unknown, unknown])[0]);
}
