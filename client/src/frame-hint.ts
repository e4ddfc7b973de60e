/** What a dropped frame concerned, as far as it could be read. */
export interface FrameHint {
  readonly sub?: string;
  readonly table?: string;
  /** It carried no table data (or none a map could miss). */
  readonly harmless: boolean;
}

/** Best-effort reading of an unparseable frame: which sub or table it concerns, if any. */
export function readHint(text: string): FrameHint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { harmless: false };
  }
  if (typeof value !== 'object' || value === null) return { harmless: false };
  const { sub, table, type } = value as Record<string, unknown>;
  // Messages that carry no table data cannot leave a map behind; an error about a sub may have
  // ended it (I12), so that one is resynced.
  const harmless =
    type === 'welcome' || type === 'goaway' || (type === 'error' && typeof sub !== 'string');
  return {
    ...(typeof sub === 'string' ? { sub } : {}),
    ...(typeof table === 'string' ? { table } : {}),
    harmless,
  };
}
