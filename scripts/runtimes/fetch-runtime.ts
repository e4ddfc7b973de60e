import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The other runtimes the tests run tablecast on. Pinned, so a run is reproducible; Node's two
 * LTS lines next to the Node 20 that runs everything else, and the current Deno and Bun.
 */
export const RUNTIMES = {
  node22: { version: '22.23.5', package: nodePackage, bin: 'bin/node' },
  node24: { version: '24.22.3', package: nodePackage, bin: 'bin/node' },
  deno: { version: '2.9.6', package: denoPackage, bin: 'deno' },
  bun: { version: '1.4.5', package: bunPackage, bin: 'bin/bun' },
} as const;

export type RuntimeName = keyof typeof RUNTIMES;

const inFlight = new Map<RuntimeName, Promise<string>>();

/**
 * The path of a runtime's executable, fetched on first use from the npm registry (each runtime
 * publishes a per-platform package holding its binary) into `.cache/runtimes/`, and reused after.
 * `npm pack` is the ordinary client, so the machine's registry settings apply.
 */
export function ensureRuntime(name: RuntimeName): Promise<string> {
  let pending = inFlight.get(name);
  if (!pending) {
    pending = fetchRuntime(name);
    inFlight.set(name, pending);
    pending.catch(() => inFlight.delete(name));
  }
  return pending;
}

async function fetchRuntime(name: RuntimeName): Promise<string> {
  const { version, package: packageFor, bin } = RUNTIMES[name];
  const pkg = packageFor(process.platform, process.arch);
  const dir = join(REPO_ROOT, '.cache', 'runtimes', `${pkg.replace('/', '+')}-${version}`);
  const executable = join(dir, bin);
  if (await exists(executable)) return executable;
  // Unpacked beside the target and renamed into place: a run that dies halfway (or a second
  // run fetching at the same time) never leaves a half-written runtime behind.
  const staging = `${dir}.${randomBytes(4).toString('hex')}.partial`;
  await mkdir(staging, { recursive: true });
  try {
    const { stdout } = await run(
      'npm',
      ['pack', `${pkg}@${version}`, '--pack-destination', staging, '--json', '--silent'],
      { cwd: staging, maxBuffer: 64 * 1024 * 1024 },
    );
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    await run('tar', ['xzf', join(staging, filename), '-C', staging, '--strip-components=1']);
    await rm(join(staging, filename));
    await access(join(staging, bin));
    await rename(staging, dir).catch(async (error: unknown) => {
      if (!(await exists(executable))) throw error; // else another run got there first
    });
  } catch (error) {
    throw new Error(
      `Could not fetch ${name} (${pkg}@${version}) from the npm registry: ${String(error)}`,
      { cause: error },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return executable;
}

function nodePackage(platform: string, arch: string): string {
  if (platform !== 'linux') throw unsupported('Node', platform, arch);
  return `node-linux-${arch}`;
}

function denoPackage(platform: string, arch: string): string {
  if (platform === 'linux') return `@deno/linux-${arch}-glibc`;
  if (platform === 'darwin') return `@deno/darwin-${arch}`;
  throw unsupported('Deno', platform, arch);
}

function bunPackage(platform: string, arch: string): string {
  const bunArch = arch === 'arm64' ? 'aarch64' : arch;
  if (platform === 'linux' || platform === 'darwin') return `@oven/bun-${platform}-${bunArch}`;
  throw unsupported('Bun', platform, arch);
}

function unsupported(runtime: string, platform: string, arch: string): Error {
  return new Error(`No npm package with a ${runtime} binary for ${platform}-${arch} is known.`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
