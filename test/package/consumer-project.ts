import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = new URL('../../', import.meta.url);

/** A project that installed tablecast: `.cache/consumer`, with the repository as its dependency. */
export const CONSUMER_DIR = fileURLToPath(new URL('.cache/consumer/', REPO_ROOT));

/**
 * Creates the consumer project (idempotent): a package.json, and node_modules/tablecast linked to
 * the repository, so `tablecast/client` resolves through the package's `exports` to `dist/`
 * exactly as it would after `npm install tablecast`. Its other imports (rxjs, react, ws) resolve
 * from the repository's node_modules, where an app would have installed them.
 */
export async function consumerProject(): Promise<string> {
  await mkdir(`${CONSUMER_DIR}node_modules`, { recursive: true });
  await writeFile(
    `${CONSUMER_DIR}package.json`,
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { tablecast: '*' } }, null, 2)}\n`,
  );
  await symlink(fileURLToPath(REPO_ROOT), `${CONSUMER_DIR}node_modules/tablecast`).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return CONSUMER_DIR;
}
