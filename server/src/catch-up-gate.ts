/**
 * Decides when a table has caught up: every partition's position has reached the end offset
 * captured at start. Positions, not record offsets, drive it, because the last offsets of a
 * partition can be transaction markers, aborted records or compacted away and never arrive as
 * records.
 */
export class CatchUpGate {
  readonly #targets = new Map<number, number>();

  /** `targets` maps partition → end offset; partitions at or past their target are already done. */
  constructor(
    targets: Iterable<readonly [partition: number, end: number]>,
    positions: readonly number[],
  ) {
    for (const [partition, end] of targets) {
      if ((positions[partition] ?? 0) < end) this.#targets.set(partition, end);
    }
  }

  get open(): boolean {
    return this.#targets.size === 0;
  }

  /** Records a partition's new position; returns true when this made the whole gate open. */
  advance(partition: number, position: number): boolean {
    const target = this.#targets.get(partition);
    if (target === undefined || position < target) return false;
    this.#targets.delete(partition);
    return this.#targets.size === 0;
  }

  /** Partitions still behind, with how far: for logs and progress reports. */
  remaining(
    positions: readonly number[],
  ): Array<{ partition: number; position: number; target: number }> {
    return [...this.#targets].map(([partition, target]) => ({
      partition,
      position: positions[partition] ?? 0,
      target,
    }));
  }
}
