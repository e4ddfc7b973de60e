/**
 * Whether a browser of `origin` may use the bridge: any origin when `allowed` is undefined, and
 * any request without an Origin header (not a browser page). Sockets and table reads share it.
 */
export function originAllowed(
  allowed: readonly string[] | undefined,
  origin: string | undefined,
): boolean {
  return allowed === undefined || origin === undefined || allowed.includes(origin);
}
