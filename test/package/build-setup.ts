import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { consumerProject, REPO_ROOT } from './consumer-project.js';

/**
 * The package tests check what `npm publish` would ship, so they build it first: a fresh
 * `dist/` from `npm run build`, and a consumer project in .cache/ that depends on it.
 */
export default async function setup(): Promise<void> {
  await rm(new URL('dist', REPO_ROOT), { recursive: true, force: true });
  await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT });
  await consumerProject();
}
