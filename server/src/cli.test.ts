import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'server/src/cli.ts', ...args],
      { env: { ...process.env, KAFKA_BROKERS: '' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('the tablecast command line', () => {
  it('--help describes KAFKA_BROKERS, the config file and every bridge limit', async () => {
    const { code, stdout } = await run('serve', '--help');
    expect(code).toBe(0);
    for (const word of ['KAFKA_BROKERS', '"tables"', '"topic"', 'maxMessageBytes', 'PORT']) {
      expect(stdout).toContain(word);
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const { code, stdout } = await run('--version');
    expect({ code, stdout: stdout.trim() }).toEqual({ code: 0, stdout: pkg.version });
  });

  it('reports a mistake with the usage and exit code 2, not a stack trace', async () => {
    const { code, stderr } = await run('serve', '--confg', 'x.json');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tablecast: Unknown option '--confg'/);
    expect(stderr).toContain('usage: tablecast serve --config');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
