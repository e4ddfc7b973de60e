import { readFileSync } from 'node:fs';

/** The version in tablecast's package.json, found from this file in the sources or in dist. */
export function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tablecast' && pkg.version) return pkg.version;
    } catch {
      // not here: look one level up
    }
    if (dir.pathname === '/') throw new Error('tablecast: package.json not found.');
  }
}
