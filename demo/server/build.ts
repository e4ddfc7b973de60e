import { fileURLToPath } from 'node:url';

/** The repository root and the dashboard's Vite root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEMO_ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where `npm run demo` builds the dashboard (git-ignored). */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * Builds the dashboard with Vite from the repository's `vite.config.ts` (root `demo/`), into
 * `outDir`. Takes a few seconds; the server serves the result as static files.
 */
export async function buildDashboard(outDir: string = DEFAULT_ASSETS_DIR): Promise<string> {
  // Imported here so a server given prebuilt assets never loads Vite.
  const { build } = await import('vite');
  await build({
    configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
    root: DEMO_ROOT,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}
