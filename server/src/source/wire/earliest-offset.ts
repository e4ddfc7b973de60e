import type { Cluster } from './cluster.js';
import { ErrorCode, errorName } from './error-codes.js';
import { EARLIEST, listOffsetsRequest } from './list-offsets.js';

/**
 * The earliest offset `node` lists for one partition, asked on the admin connection so it is
 * not queued behind a long-polling fetch. A negative one is refused: no log starts there.
 */
export async function earliestOffset(
  cluster: Cluster,
  node: number,
  topic: string,
  partition: number,
  leaderEpoch: number,
): Promise<number> {
  const broker = await cluster.connectNode(node, 'admin');
  const [listed] = await broker.connection.send(
    listOffsetsRequest(broker.listOffsetsVersion, topic, [{ partition, leaderEpoch }], EARLIEST),
  );
  if (listed === undefined || listed.error !== ErrorCode.NONE) {
    throw new Error(
      `Listing the earliest offset of partition ${partition} failed: ${errorName(listed?.error ?? -1)}.`,
    );
  }
  if (listed.offset < 0) {
    throw new Error(
      `The broker listed ${listed.offset} as the earliest offset of partition ${partition}.`,
    );
  }
  return listed.offset;
}
