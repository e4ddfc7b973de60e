/** Which tables a connection may read. */
export type Allowed = ReadonlySet<string> | 'all';
