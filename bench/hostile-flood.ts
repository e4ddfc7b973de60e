import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { HostileSettings } from './hostile-settings.js';
import { lastJsonLine } from './lib/proc.js';
import { repoRoot } from './lib/results.js';

/**
 * One socket floods subscribe/unsubscribe pairs, from its own process (bench/subscribe-flood.ts),
 * started and connected before the measurement; the returned function sets it off and resolves
 * with the number of messages it sent.
 */
export async function subscribeFlood(
  url: string,
  settings: HostileSettings,
): Promise<() => Promise<number>> {
  const script = path.join(repoRoot, 'bench', 'subscribe-flood.ts');
  const args = ['--import', 'tsx', script, '--url', url, '--table', settings.table];
  args.push('--pairs', String(settings.floodPairs), '--hold-ms', String(settings.durationMs / 2));
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  settings.cleanups.add('stop flood', async () => {
    child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => out.includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`flood exited with ${code}`)));
  });
  return async () => {
    child.stdin.write('go\n');
    await new Promise((resolve) => child.once('exit', resolve));
    return Number(lastJsonLine(out)?.sent ?? Number.NaN);
  };
}
