/**
 * Benchmark dispatcher: `npm run bench <name> [-- options]`, e.g. `npm run bench catchup -- --runs 1`.
 * Each name maps to a script under bench/ that runs in this process with the remaining args.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './lib/results.js';

const BENCHMARKS: Readonly<Record<string, { script: string; about: string }>> = {
  catchup: {
    script: 'catchup.ts',
    about: 'time to materialize a compacted topic: tablecast vs kcat vs ktables (real Kafka)',
  },
  'initial-load': {
    script: 'initial-load.ts',
    about: 'client subscribe → caught_up on a 100k-key table: time, keys/s, wire bytes vs raw',
  },
  latency: {
    script: 'latency.ts',
    about: 'writer ack → client onChanges at 1k updates/s with 1/100/1000 clients (p50/p99)',
  },
  'hostile-clients': {
    script: 'hostile-clients.ts',
    about: "stalled sockets (RSS per socket vs budget) and a subscribe flood (others' delta p99)",
  },
  'stream-join': {
    script: 'stream-join.ts',
    about: 'a client joining a stream ring of 10k rows vs a plain 10k-key table: time, bytes',
  },
  aggregates: {
    script: 'aggregates.ts',
    about: 'group-by and windowed aggregation vs the plain table: replay records/s (real Kafka)',
  },
  'snapshot-memory': {
    script: 'snapshot-memory.ts',
    about:
      'bridge RSS/heap across repeated full snapshots of a 1M-key table vs table + socket budgets',
  },
  fanout: {
    script: 'fanout.ts',
    about: 'clients one bridge holds at 1k updates/s (1k…10k), vs a bare ws broadcast',
  },
};

function usage(): string {
  const names = Object.entries(BENCHMARKS)
    .map(([name, b]) => `  ${name.padEnd(12)} ${b.about}`)
    .join('\n');
  return `usage: npm run bench <name> [-- options]\n\nbenchmarks:\n${names}\n`;
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'list') {
  process.stdout.write(usage());
  process.exit(name === undefined ? 2 : 0);
}
const bench = BENCHMARKS[name];
if (bench === undefined) {
  process.stderr.write(`unknown benchmark "${name}"\n\n${usage()}`);
  process.exit(2);
}
const script = path.join(repoRoot, 'bench', bench.script);
// The benchmark reads its options from process.argv.slice(2), as if started directly.
process.argv = [process.argv[0]!, script, ...rest];
await import(pathToFileURL(script).href);
