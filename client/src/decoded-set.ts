/** A decoded set: the client decodes wire values once, even when a delta feeds several stores. */
export type DecodedSet<V> = readonly [key: string, value: V];
