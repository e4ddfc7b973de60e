import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BuildOptions, build } from 'esbuild';

export interface PageServer {
  /** The page: an empty document whose one module script is the bundle. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Bundles `entry` for the browser (esbuild, `options` on top of the defaults) and serves it on
 * 127.0.0.1 as the module script of an empty page, so a test or benchmark page runs from a
 * loopback origin (Chromium refuses a blank page's requests to loopback sockets).
 */
export async function servePage(entry: string, options: BuildOptions = {}): Promise<PageServer> {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    logLevel: 'error',
    ...options,
    write: false,
  });
  const script = bundle.outputFiles![0]!.text;
  const html =
    '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
  const server = createServer((request, response) => {
    const isScript = request.url === '/page.js';
    response.writeHead(200, {
      'content-type': isScript ? 'text/javascript' : 'text/html',
      'cache-control': 'no-store',
    });
    response.end(isScript ? script : html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
