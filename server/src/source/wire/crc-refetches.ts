/** How many times a batch that fails its CRC is fetched again before the table fails. */
export const CRC_REFETCHES = 2;

/**
 * Counts, per partition, the fetches in a row whose batch at one offset failed its CRC. A byte
 * damaged on the way (a proxy, a bad NIC) comes right the next time, as the Java consumer's next
 * poll would find; damage on the broker's disk fails every time, and then fails the table.
 */
export class CrcRefetches {
  readonly #failures = new Map<number, { offset: number; count: number }>();

  /** Records a failure at `offset`; returns which refetch this is, or undefined past the last. */
  failed(partition: number, offset: number): number | undefined {
    const last = this.#failures.get(partition);
    const count = last?.offset === offset ? last.count + 1 : 1;
    this.#failures.set(partition, { offset, count });
    return count <= CRC_REFETCHES ? count : undefined;
  }

  /** The partition's fetch read without a CRC failure. */
  passed(partition: number): void {
    this.#failures.delete(partition);
  }
}
