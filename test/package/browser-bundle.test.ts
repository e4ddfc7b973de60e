import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CONSUMER_DIR } from './consumer-project.js';

/** Bundles an app that uses every browser-facing entry point; returns the bundled input paths. */
async function bundledInputs(platform: 'browser' | 'node'): Promise<string[]> {
  const entry = join(CONSUMER_DIR, `bundle-entry-${platform}.js`);
  await writeFile(
    entry,
    `import { createClient } from 'tablecast/client';
import { rx } from 'tablecast/rx';
import { signals } from 'tablecast/signals';
import { useFlag } from 'tablecast/react';
const client = createClient({ url: 'wss://bridge.example.com' });
const flags = client.table('flags');
console.log(rx(flags), signals(flags), useFlag);
`,
  );
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform,
    format: 'esm',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

const fromWs = (path: string) => /node_modules\/ws\//.test(path);

describe('tablecast/client in a bundle', () => {
  it('for the browser: without the ws package or any node: module', async () => {
    const inputs = await bundledInputs('browser');
    expect(inputs.some((path) => path.includes('dist/client/src/index.js'))).toBe(true);
    expect(inputs.filter(fromWs)).toEqual([]);
    expect(inputs.filter((path) => path.startsWith('node:'))).toEqual([]);
  });

  it('for Node: with ws, the fallback where Node has no WebSocket of its own', async () => {
    const inputs = await bundledInputs('node');
    expect(inputs.some((path) => path.includes('dist/client/src/node.js'))).toBe(true);
    expect(inputs.some(fromWs)).toBe(true);
  });
});
