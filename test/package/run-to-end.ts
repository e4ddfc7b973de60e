import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CONSUMER_DIR } from './consumer-project.js';

export interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end and returns its exit code and output, whatever the code. */
export async function runToEnd(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Exit> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, [...args], {
      cwd: options.cwd ?? CONSUMER_DIR,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: `${e.stderr ?? ''}${typeof e.code === 'number' ? '' : String(error)}`,
    };
  }
}
