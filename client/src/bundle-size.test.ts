import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// What each browser entry point adds to an app's bundle: minified, gzipped, with the framework
// peers external (the app has them anyway). Budgets sit a little above today's figures, so a
// change that grows an entry noticeably has to raise its budget here, in review. Writes through
// the bridge (set/delete with read-your-writes, optimistic views) added ~1.8 kB to every client, grouped views and
// typedClient ~1 kB to the full entry, useWrite/useGroup ~0.1 kB to the hooks; stream tables
// ~0.6 kB to the full entry and ~0.7 kB to the hooks (useStream), nothing to an app without them;
// checking each stream row from the peer and typed useStream ~0.3 kB to both. Applying big
// snapshots without long tasks (the frame pump's per-task budget, and a reset applied as a swap
// of maps with its changes worked out on demand) added ~0.5 kB to every client; the chunked map
// (no rehash of a whole 1M-key map in one task, copy-on-write by chunk) ~0.4 kB more. A
// `snapshotSource` (a first snapshot loaded apart from the socket, holding the first subscribe,
// with a stall bound, a check of what the source resolves and a fallback) ~0.6 kB to every
// client; the HTTP source itself is its own entry, and most of its 4.1 kB (the protocol's parser,
// the chunked map) is shared with the client. A Bloom filter per full chunk of the chunked map
// (so a new key is looked up in one Map, not in all of them) ~0.4 kB to every client. Checks
// against a broken bridge (a mixed position, a resume for a wanted reset, an unreadable frame,
// retry backoff kept across snapshots that break at once) ~0.1 kB. Keeping a snapshot's values
// as text until read (a scanner of snapshot parts that checks each value's JSON, rows of text
// in the chunked map; no value objects while a million keys load) ~1.8 kB to every client and
// to the HTTP source; checking that a bridge names each key once (I11) and only keys of a
// filtered subscription's filter ~0.3 kB. The chunks as hash tables of the client's own (a
// chunk copied in ~2 ms instead of 15–35 ms, keys not internalized by Chromium) ~0.5 kB. An HTTP
// body decoded in slices within the per-task budget (a big read not decoded in one go) ~0.1 kB.
const PEERS = ['react', 'react-dom', 'preact', 'preact/hooks', '@preact/signals-core', 'rxjs'];

const ENTRIES = {
  'tablecast/client': { file: 'index.ts', budget: 20_100 },
  'tablecast/superjson': { file: 'superjson-values.ts', budget: 6_000 },
  'tablecast/http': { file: 'http/index.ts', budget: 7_200 },
  'tablecast/rx': { file: 'rx/index.ts', budget: 600 },
  'tablecast/signals': { file: 'signals/index.ts', budget: 800 },
  'tablecast/react': { file: 'react/index.ts', budget: 3_600 },
  'tablecast/preact': { file: 'preact/index.ts', budget: 3_700 },
} as const;

const here = fileURLToPath(new URL('.', import.meta.url));

/** Bundles `contents` (a module in client/src) as an app would, peers external. */
async function bundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: here, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: PEERS,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced nothing');
  return {
    gzip: gzipSync(output.contents, { level: 9 }).byteLength,
    // Files that put bytes in the output (metafile.inputs also lists what tree-shaking dropped).
    inputs: Object.values(result.metafile.outputs).flatMap((out) =>
      Object.entries(out.inputs)
        .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
        .map(([input]) => input),
    ),
  };
}

describe('bundle size (minified + gzip, peers external)', () => {
  for (const [entry, { file, budget }] of Object.entries(ENTRIES)) {
    it(`${entry}, every export, stays within ${budget} bytes`, async () => {
      const { gzip } = await bundle(`export * from './${file.replace(/\.ts$/, '.js')}';`);
      console.log(`${entry}: ${gzip} bytes gzip (budget ${budget})`);
      expect(gzip).toBeLessThanOrEqual(budget);
    }, 30_000);
  }

  it('a JSON-only app (createClient and handles) stays within 17.7 kB, without superjson', async () => {
    const { gzip, inputs } = await bundle(
      "import { createClient } from './index.js'; createClient({ url: '/t' }).table('x');",
    );
    console.log(`createClient, JSON-only: ${gzip} bytes gzip (budget 17700)`);
    expect(gzip).toBeLessThanOrEqual(17_700);
    expect(inputs.filter((input) => input.includes('superjson'))).toEqual([]);
    expect(inputs.filter((input) => input.includes('stream/'))).toEqual([]);
  }, 30_000);

  it('an app that reads no stream carries none of the stream code, hooks included', async () => {
    const { inputs } = await bundle(
      "export { useTable } from './react/index.js'; export { rx } from './rx/index.js';",
    );
    expect(inputs.filter((input) => input.includes('stream'))).toEqual([]);
  }, 30_000);

  it('an app with superjson values pulls superjson in', async () => {
    const { inputs } = await bundle(
      "import { createClient } from './index.js'; import { superjsonValues } from './superjson-values.js';" +
        " createClient({ url: '/t', wireValues: superjsonValues });",
    );
    expect(inputs.some((input) => input.includes('node_modules/superjson'))).toBe(true);
  }, 30_000);
});
