/**
 * The one JSON line an initial-load client process prints for bench/initial-load.ts (the Node
 * client and the raw reader alike): times in seconds since `t0`, from performance.now() stamps.
 */
export interface LoadStamps {
  readonly t0: number;
  readonly t1: number;
  readonly openedAt: number | undefined;
  readonly firstSnapshotFrameAt: number | undefined;
}

export function printLoadResult(
  stamps: LoadStamps,
  fields: { ok: boolean; status: string; size: number | null; frames: number; bytes: number },
): void {
  const since = (at: number | undefined) => (at === undefined ? null : (at - stamps.t0) / 1000);
  const { ok, status, size, frames, bytes } = fields;
  process.stdout.write(
    `${JSON.stringify({
      ok,
      status,
      seconds: (stamps.t1 - stamps.t0) / 1000,
      connectSeconds: since(stamps.openedAt),
      firstSnapshotFrameSeconds: since(stamps.firstSnapshotFrameAt),
      size,
      frames,
      bytes,
    })}\n`,
  );
}
