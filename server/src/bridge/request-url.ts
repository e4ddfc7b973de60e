import type { IncomingMessage } from 'node:http';

/** The request target as a URL; throws a URIError for one that is not a path. */
export function requestUrl(request: IncomingMessage): URL {
  const target = request.url ?? '/';
  if (!target.startsWith('/')) throw new URIError(`Request target "${target}" is not a path.`);
  return new URL(`http://bridge.invalid${target}`);
}
