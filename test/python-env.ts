// A Python virtual environment with the packages of test/python/requirements.txt (ktables,
// pyarrow), for tests that prove interop with the Python side. Created on first use under
// .cache/ and reused; a fresh machine (CI) installs it from PyPI the first time.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const requirementsFile = path.join(repoRoot, 'test', 'python', 'requirements.txt');
const READY = '.tablecast-ready';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion with `input` on stdin; never rejects for a non-zero exit. */
export function run(
  file: string,
  args: readonly string[],
  options: { readonly input?: string | Uint8Array; readonly timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        cwd: repoRoot,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONIOENCODING: 'utf-8' },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${file} ${args.join(' ')} did not run: ${error.message}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

let pending: Promise<string> | undefined;

/**
 * The path of the environment's python. The environment's directory is named after a hash of
 * the requirements and the base interpreter, so a changed requirement gets a fresh one. It is
 * built in a temporary directory and renamed into place when complete: concurrent test
 * processes never see (or use) a half-installed environment, and an interrupted install
 * leaves nothing that passes for a finished one.
 */
export function interopPython(): Promise<string> {
  pending ??= ensureEnvironment();
  return pending;
}

async function ensureEnvironment(): Promise<string> {
  const base = process.env.PYTHON ?? 'python3';
  const version = await run(base, ['-c', 'import sys; print(sys.version)']).catch(
    (error: unknown) => {
      throw new Error(
        `The Python interop tests need Python 3.10+ ("${base}"; set PYTHON to choose another): ${String(error)}`,
      );
    },
  );
  if (version.code !== 0) throw new Error(`"${base}" failed: ${version.stderr.trim()}`);
  const requirements = await readFile(requirementsFile, 'utf8');
  const hash = createHash('sha256')
    .update(requirements)
    .update(version.stdout)
    .digest('hex')
    .slice(0, 12);
  const dir = path.join(repoRoot, '.cache', `python-interop-${hash}`);
  const python = path.join(dir, 'bin', 'python');
  if (existsSync(path.join(dir, READY))) return python;

  const building = `${dir}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    const venv = await run(base, ['-m', 'venv', building], { timeoutMs: 120_000 });
    if (venv.code !== 0) {
      throw new Error(
        `Could not create a Python virtual environment (${base} -m venv): ${tail(venv.stderr)}\n` +
          'On Debian/Ubuntu install the python3-venv package.',
      );
    }
    const pip = await run(
      path.join(building, 'bin', 'python'),
      ['-m', 'pip', 'install', '--no-input', '--quiet', '-r', requirementsFile],
      { timeoutMs: 600_000 },
    );
    if (pip.code !== 0) {
      throw new Error(
        `pip could not install test/python/requirements.txt (ktables, pyarrow) from PyPI: exit ${pip.code}\n` +
          `${tail(pip.stderr || pip.stdout)}\n` +
          'The interop tests need PyPI (or a mirror through PIP_INDEX_URL) the first time; ' +
          `try: ${base} -m venv /tmp/v && /tmp/v/bin/pip install -r test/python/requirements.txt`,
      );
    }
    await writeFile(path.join(building, READY), requirements);
    try {
      await rename(building, dir);
    } catch (error) {
      // Another process finished first: use its environment.
      if (!existsSync(path.join(dir, READY))) throw error;
    }
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return python;
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-15).join('\n');
}
