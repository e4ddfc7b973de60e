/** Where and how to connect, from the url/token/headers options of one attempt. */
export type SocketTarget = readonly [
  url: unknown,
  token: string | undefined,
  headers: Record<string, string> | undefined,
];
