import { fromWireValue } from '../../shared/src/protocol/index.js';
import { keyMatcher } from '../../shared/src/protocol/key-filter.js';
import type {
  KeyFilter,
  Position,
  TableStatus,
  WireSet,
} from '../../shared/src/protocol/messages.js';
// The protocol's own checks, so a bootstrap or a cache entry is held to the rules of a snapshot
// and its errors name the field by path, like the protocol's parsers do.
import {
  expectObject,
  expectOnlyFields,
  expectPosition,
  expectSets,
  invalid,
} from '../../shared/src/protocol/validate.js';
import type { DecodedSet } from './table-store.js';

/**
 * A table's snapshot as the server side of an app embeds it in a page: what
 * `GET /tables/:name?format=bootstrap` returns. `sets` are wire values, like a snapshot part's,
 * so superjson values (Date, Map, BigInt…) survive the trip through the HTML.
 */
export interface TableBootstrap {
  /** The table it was read from; when present, it must match the name passed to `table()`. */
  readonly table?: string;
  readonly status: TableStatus;
  /** Where the snapshot is: the client subscribes from here, so only newer changes are sent. */
  readonly position: Position;
  readonly sets: readonly WireSet[];
}

const BOOTSTRAP_FIELDS = ['table', 'status', 'position', 'sets'] as const;
const STATUSES: readonly TableStatus[] = [
  'unstarted',
  'loading',
  'caught_up',
  'degraded',
  'failed',
];

/**
 * Checks a bootstrap (the object, or its JSON text) and returns it typed. Throws a `TypeError`
 * naming the problem (`bootstrap.position.offsets[0] must be a non-negative integer, got -1`):
 * a bootstrap is made by the app's own server, so a malformed one is a bug to surface, not
 * data to shrug off. Unknown fields are refused, as in the protocol, so a typo fails loudly.
 * Values are checked for shape here and decoded by `table()`.
 */
export function parseBootstrap(json: unknown): TableBootstrap {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (cause) {
      throw new TypeError('parseBootstrap: the text is not valid JSON', { cause });
    }
  }
  return asTypeError('parseBootstrap', () => {
    const object = expectObject(value, 'bootstrap');
    expectOnlyFields(object, 'bootstrap', BOOTSTRAP_FIELDS);
    const { table, status } = object;
    if (table !== undefined && (typeof table !== 'string' || table === '')) {
      invalid('bootstrap.table', 'a non-empty string', table);
    }
    if (!STATUSES.includes(status as TableStatus)) {
      invalid('bootstrap.status', `one of ${STATUSES.join(', ')}`, status);
    }
    const position = expectPosition(object.position, 'bootstrap.position');
    const sets = expectSets(object.sets, 'bootstrap.sets');
    return {
      ...(table === undefined ? {} : { table: table as string }),
      status: status as TableStatus,
      position,
      sets,
    };
  });
}

/** Decodes wire sets, keeping only the keys a filter admits. Throws on an undecodable value. */
export function decodeSets(
  sets: readonly WireSet[],
  filter: KeyFilter | undefined,
): DecodedSet<unknown>[] {
  // A whole-table snapshot restricted to a filter is the filtered table at the same position, so
  // a filtered handle may resume from an unfiltered bootstrap (never the other way round).
  const keep = keyMatcher(filter);
  const decoded: DecodedSet<unknown>[] = [];
  for (const [key, wire] of sets) {
    if (keep === undefined || keep(key)) decoded.push([key, fromWireValue(wire)]);
  }
  return decoded;
}

/** Runs protocol checks, turning their ProtocolError into the TypeError an API caller expects. */
export function asTypeError<T>(what: string, check: () => T): T {
  try {
    return check();
  } catch (cause) {
    if (cause instanceof TypeError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new TypeError(`${what}: ${message}`, { cause });
  }
}
