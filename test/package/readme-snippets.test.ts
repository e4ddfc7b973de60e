import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { brokers } from '../kafka.js';
import { REPO_ROOT } from './consumer-project.js';
import { runToEnd } from './run-to-end.js';

const ROOT = fileURLToPath(REPO_ROOT);
const SNIPPETS = 'docs/snippets/';
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

interface Block {
  readonly lang: string;
  readonly body: string;
  /** From the `<!-- snippet: path -->` line right above the block, if any. */
  readonly snippet: string | undefined;
}

/** The README's fenced code blocks, with the snippet file each one says it shows. */
function readmeBlocks(): Block[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const fence = /(?:<!-- snippet: (\S+) -->\n)?```(\w*)\n([\s\S]*?)^```$/gm;
  return [...readme.matchAll(fence)].map(([, snippet, lang, body]) => ({
    lang: lang!,
    body: body!,
    snippet,
  }));
}

describe('the README code snippets', () => {
  it('are the files in docs/snippets, each shown once, word for word', () => {
    const blocks = readmeBlocks();
    // Code a reader might copy (TypeScript, TSX, JSON) is always a checked snippet file.
    const unchecked = blocks.filter((b) => ['ts', 'tsx', 'json'].includes(b.lang) && !b.snippet);
    expect(unchecked.map((b) => b.body.split('\n')[0])).toEqual([]);
    const shown = blocks.filter((b) => b.snippet !== undefined);
    for (const block of shown) {
      expect(block.body, block.snippet).toBe(readFileSync(`${ROOT}${block.snippet}`, 'utf8'));
    }
    const files = readdirSync(`${ROOT}${SNIPPETS}`).filter((name) => name !== 'tsconfig.json');
    expect(shown.map((b) => b.snippet).sort()).toEqual(files.map((f) => SNIPPETS + f).sort());
  });

  it('start with the install and exactly two commands, the ones CI runs', () => {
    const first = readmeBlocks().find((b) => b.lang === 'sh');
    const commands = first?.body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(commands).toEqual(['npm ci', 'npm run demo', 'npm test']);
    const ci = readFileSync(`${ROOT}.ci/run`, 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci.trimEnd().split('\n').at(-1)).toBe('npm test');
  });

  it('type-check against the built package', async () => {
    const { code, stdout } = await runToEnd(process.execPath, [TSC, '-p', `${ROOT}${SNIPPETS}`]);
    expect(stdout).toBe('');
    expect(code).toBe(0);
  });

  it('KafkaTable: runs against the test broker and reads its own write', async () => {
    const { code, stdout, stderr } = await runToEnd(
      process.execPath,
      ['--import', 'tsx', `${SNIPPETS}kafka-table.ts`],
      { cwd: ROOT, env: { ...process.env, KAFKA_BROKERS: brokers().join(',') } },
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(stdout).toMatch(/^new-checkout \{ enabled: true, rollout: 0\.1 \} \d+\ntrue\n$/);
  });
});
