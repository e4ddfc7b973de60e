import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSUMER_DIR } from './consumer-project.js';
import { runToEnd } from './run-to-end.js';

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Every browser-facing entry point, used the way an app would. */
const APP = `
import { createClient, typedClient, type TableHandle } from 'tablecast/client';
import { httpSnapshots } from 'tablecast/http';
import { TablecastProvider, useFlag, useTable } from 'tablecast/react';
import * as preact from 'tablecast/preact';
import { rx } from 'tablecast/rx';
import { signals } from 'tablecast/signals';

interface AppTables { flags: boolean }
export const client = createClient({
  url: 'wss://bridge.example.com',
  snapshotSource: httpSnapshots(),
});
export const flags: TableHandle<boolean> = typedClient<AppTables>(client).table('flags');
export const on = signals(flags).key('new-checkout');
export const status$ = rx(flags).status$;
export const hooks = { TablecastProvider, useFlag, useTable, preact };
`;

/** Writes a project into the consumer folder and type-checks it with the repository's tsc. */
async function typecheck(
  name: string,
  lib: readonly string[],
  source: string,
  skipLibCheck = false,
) {
  const dir = join(CONSUMER_DIR, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'app.ts'), source);
  const compilerOptions = {
    target: 'es2022',
    lib,
    module: 'esnext',
    moduleResolution: 'bundler',
    strict: true,
    noEmit: true,
    skipLibCheck,
    types: [],
  };
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions, files: ['app.ts'] }),
  );
  return runToEnd(process.execPath, [TSC, '-p', dir]);
}

describe('the published declarations', () => {
  it('check in a browser-only project: lib es2022 + dom, no @types/node, skipLibCheck off', async () => {
    const { code, stdout } = await typecheck('browser-es2022', ['es2022', 'dom'], APP);
    expect(stdout).toBe('');
    expect(code).toBe(0);
  });

  it('let a project whose lib has disposables use `using` on handles and clients', async () => {
    const source = `${APP}
export async function once(): Promise<number> {
  await using scoped = createClient({ url: 'wss://bridge.example.com' });
  using handle = scoped.table<boolean>('flags');
  return handle.size;
}
`;
    // The declarations themselves were checked above; here only the app's use of them.
    const { code, stdout } = await typecheck('browser-esnext', ['esnext', 'dom'], source, true);
    expect(stdout).toBe('');
    expect(code).toBe(0);
  });
});
