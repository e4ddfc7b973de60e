// Runs the Python side of an interop test (test/python/*.py) in the interop environment, with a
// JSON or binary input, and returns its JSON output.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { interopPython, run } from './python-env.js';

const scripts = fileURLToPath(new URL('./python/', import.meta.url));

export async function runPythonJson<T>(
  script: string,
  args: readonly string[],
  input: unknown,
): Promise<T> {
  const python = await interopPython();
  const stdin = input instanceof Uint8Array ? input : JSON.stringify(input);
  const result = await run(python, [path.join(scripts, script), ...args], {
    input: stdin,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) {
    throw new Error(`${script} ${args.join(' ')} exited ${result.code}:\n${result.stderr.trim()}`);
  }
  return JSON.parse(result.stdout) as T;
}
