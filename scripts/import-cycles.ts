import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Import cycles among the TypeScript files under `roots`, type-only imports included: a type
 * cycle is still two modules that cannot be understood one without the other. Each cycle is
 * listed once, as repository-relative paths, starting at its smallest path.
 *
 * A few dozen lines over TypeScript's own import scanner rather than a dependency (madge, dpdm)
 * that would pull in a resolver and a parser for one check.
 */
export function findImportCycles(base: string, roots: readonly string[]): string[][] {
  const files = roots.flatMap((root) => listTs(join(base, root)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => resolveImport(file, fileName))
      .filter((target): target is string => target !== undefined && known.has(target));
    graph.set(file, targets);
  }
  const cycles = new Map<string, string[]>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const seen = state.get(next);
      if (seen === 'visiting') {
        const cycle = stack.slice(stack.indexOf(next)).map((f) => relative(base, f));
        const start = cycle.indexOf([...cycle].sort()[0] as string);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join(' → '), rotated);
      } else if (seen === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return [...cycles.values()];
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTs(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(resolve(path));
  }
  return out;
}

/** `./x.js` → `./x.ts` (or `.tsx`, or `./x/index.ts`); bare specifiers are packages, skipped. */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(from), specifier);
  const stem = target.replace(/\.(js|jsx|ts|tsx)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, join(target, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}
