import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './consumer-project.js';
import { runToEnd } from './run-to-end.js';

interface PackJson {
  readonly files: readonly { readonly path: string }[];
}

/** The target paths of package.json's `exports`, every condition. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports.replace(/^\.\//, '')];
  if (typeof exports !== 'object' || exports === null) return [];
  return Object.values(exports).flatMap(exportTargets);
}

describe('npm pack', () => {
  it('ships the license, every export target, and no source maps pointing at unshipped sources', async () => {
    const root = fileURLToPath(REPO_ROOT);
    const { code, stdout, stderr } = await runToEnd('npm', ['pack', '--dry-run', '--json'], {
      cwd: root,
    });
    expect(stderr.replace(/npm (notice|warn).*\n/g, '')).toBe('');
    expect(code).toBe(0);
    const files = (JSON.parse(stdout) as PackJson[])[0]!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    expect(readFileSync(`${root}LICENSE`, 'utf8')).toContain('Apache License');
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      exports: unknown;
      bin: Record<string, string>;
    };
    const targets = [...exportTargets(pkg.exports), ...Object.values(pkg.bin)].map((path) =>
      path.replace(/^\.\//, ''),
    );
    expect(targets.filter((target) => !files.includes(target))).toEqual([]);
    expect(files.filter((path) => path.endsWith('.map'))).toEqual([]);
    expect(files.filter((path) => /\.tsx?$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['docs/PROTOCOL.md']));
  });
});
