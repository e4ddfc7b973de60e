/**
 * The unit tests again on Node's LTS lines (22 and 24), after `vitest run` ran everything on the
 * Node that runs npm (20, the oldest the package supports). Only the unit project: the Kafka and
 * browser projects exercise the same code through I/O, and the client's runtime behaviour on
 * each line (its WebSocket, against a real bridge) is covered by test/package/runtimes.test.ts.
 * Node binaries come from the npm registry (see fetch-runtime.ts) and are cached in .cache/.
 *
 *   npx tsx scripts/node-lts.ts            # node22 and node24
 *   npx tsx scripts/node-lts.ts node24     # one of them
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ensureRuntime, RUNTIMES, type RuntimeName } from './runtimes/fetch-runtime.js';

const LTS: readonly RuntimeName[] = ['node22', 'node24'];
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

async function unitTestsOn(name: RuntimeName): Promise<number> {
  const node = await ensureRuntime(name);
  console.log(`\n== unit tests on Node ${RUNTIMES[name].version} (${node})`);
  const child = spawn(node, [VITEST, 'run', '--project', 'unit'], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}

async function main(argv: string[]): Promise<void> {
  const wanted = argv.length > 0 ? argv : LTS;
  const unknown = wanted.filter((name) => !LTS.includes(name as RuntimeName));
  if (unknown.length > 0) throw new Error(`Unknown Node line ${unknown.join(', ')}: use ${LTS}.`);
  const failed: string[] = [];
  // One after the other: each run already uses every core.
  for (const name of wanted as RuntimeName[]) {
    if ((await unitTestsOn(name)) !== 0) failed.push(name);
  }
  if (failed.length > 0) {
    console.error(`\nunit tests failed on ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
