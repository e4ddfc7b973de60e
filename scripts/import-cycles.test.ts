import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findImportCycles } from './import-cycles.js';

const repository = fileURLToPath(new URL('..', import.meta.url));

describe('import cycles', () => {
  it('server, client and shared have none, type-only imports included', () => {
    expect(findImportCycles(repository, ['server', 'client', 'shared'])).toEqual([]);
  });

  it('finds a type-only cycle through an index, once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
    try {
      mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
      writeFileSync(join(dir, 'src', 'a.ts'), "import type { B } from './lib/index.js';\n");
      writeFileSync(join(dir, 'src', 'lib', 'index.ts'), "export * from './b.js';\n");
      writeFileSync(join(dir, 'src', 'lib', 'b.ts'), "import { a } from '../a.js';\n");
      writeFileSync(join(dir, 'src', 'c.ts'), "import 'node:fs';\nimport './a.js';\n");
      expect(findImportCycles(dir, ['src'])).toEqual([
        ['src/a.ts', 'src/lib/index.ts', 'src/lib/b.ts'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
