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
  expectStatus,
  invalid,
} from '../../shared/src/protocol/validate.js';
import type { DecodedSet } from './decoded-set.js';
import { asTypeError } from './errors.js';
import { decodeSets, type WireValues } from './wire-values.js';

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
    const { table } = object;
    if (table !== undefined && (typeof table !== 'string' || table === '')) {
      invalid('bootstrap.table', 'a non-empty string', table);
    }
    const status = expectStatus(object.status, 'bootstrap.status');
    const position = expectPosition(object.position, 'bootstrap.position');
    const sets = expectSets(object.sets, 'bootstrap.sets');
    return {
      ...(table === undefined ? {} : { table: table as string }),
      status,
      position,
      sets,
    };
  });
}

/** What `hydrate()` takes: decoded sets, their position, and whether they vouch for caught_up. */
export type Hydration = [sets: DecodedSet<unknown>[], position: Position, vouched: boolean];

/**
 * Checks and decodes a `bootstrap` option of `table()`; throws TypeError when it is malformed,
 * is for another table, or holds a value that does not decode.
 */
export function readBootstrapOption(
  name: string,
  filter: KeyFilter | undefined,
  bootstrap: unknown,
  values: WireValues,
): Hydration | undefined {
  if (bootstrap === undefined) return undefined;
  const parsed = parseBootstrap(bootstrap);
  if (parsed.table !== undefined && parsed.table !== name) {
    throw new TypeError(`table(): the bootstrap is for table "${parsed.table}", not "${name}"`);
  }
  const sets = asTypeError('table(): bootstrap', () => decodeSets(parsed.sets, filter, values));
  return [sets, parsed.position, parsed.status === 'caught_up'];
}
