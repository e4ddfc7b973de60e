/** Bounds on a goaway's `retryAfterMs`: a bridge cannot make clients stampede or vanish. */
export const GOAWAY_MIN_DELAY_MS = 250;
export const GOAWAY_MAX_DELAY_MS = 60_000;

/** How long to wait after a goaway before opening a replacement, before jitter (§11). */
export function goawayDelay(retryAfterMs: number | undefined): number {
  return Math.min(
    GOAWAY_MAX_DELAY_MS,
    Math.max(GOAWAY_MIN_DELAY_MS, retryAfterMs ?? GOAWAY_MIN_DELAY_MS),
  );
}
