import { encodeMessage, toWireValue } from '../../../shared/src/protocol/index.js';
import type { TableEntry } from '../table-change.js';

/**
 * The one place a slice of a snapshot becomes a frame: entries as the table holds them, keys
 * deleted (resume only). Called while the entries are still valid (see SnapshotView.read).
 */
export function snapshotPartFrame(
  sub: string,
  sets: ReadonlyArray<readonly [string, TableEntry<unknown>]>,
  deletes: readonly string[],
): string {
  return encodeMessage({
    type: 'snapshot-part',
    sub,
    sets: sets.map(([key, entry]) => [key, toWireValue(entry.value)] as const),
    deletes,
  });
}
