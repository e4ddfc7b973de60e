import type { Position } from '../../../shared/src/protocol/index.js';
import type { KafkaTable } from '../kafka-table.js';

/**
 * Whether a client's position is past the end of the table's log on some partition: the topic
 * was truncated or recreated under the same identity. False when the broker cannot tell.
 */
export async function pastLogEnd(table: KafkaTable<unknown>, from: Position): Promise<boolean> {
  try {
    const end = await table.endOffsets();
    return from.offsets.some((offset, partition) => offset > (end[partition] ?? 0));
  } catch {
    // Cannot tell (broker unreachable): wait as for a lagging replica.
    return false;
  }
}
