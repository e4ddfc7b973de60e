import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Cleanup } from './fixtures.js';
import { freePort } from './free-port.js';

/** A `tablecast serve` child process: the real CLI, as an operator runs it. */
export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly address: string;
}

export async function startBridgeProcess(
  cleanup: Cleanup,
  configPath: string,
  brokers: readonly string[],
): Promise<BridgeProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--config', configPath, '--port', '0'],
    {
      env: { ...process.env, KAFKA_BROKERS: brokers.join(',') },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  cleanup.add(child, stopChild);
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`tablecast serve exited with ${String(code)} before listening`);
  });
  const listening = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      const url = /listening on (ws:\/\/\S+)/.exec(line)?.[1];
      if (url) return url;
    }
    throw new Error('tablecast serve closed its output before listening');
  })();
  const url = await Promise.race([listening, exited]);
  exited.catch(() => {});
  return { child, url, address: new URL(url).host };
}

/** HAProxy from the distribution, running deploy/haproxy.cfg in the foreground. */
export interface LoadBalancer {
  readonly url: string;
  /** Resolves once HAProxy's health checks report every listed server up. */
  serversUp(names: readonly string[], timeoutMs: number): Promise<void>;
}

export async function startHaproxy(
  cleanup: Cleanup,
  dir: string,
  backends: { readonly BRIDGE_A: string; readonly BRIDGE_B: string },
): Promise<LoadBalancer> {
  const port = await freePort();
  const statsSocket = join(dir, 'haproxy.sock');
  // A second config file adds the admin socket the test reads server states from, so the
  // deployable file stays exactly what docker-compose runs.
  const statsConfig = join(dir, 'stats.cfg');
  await writeFile(statsConfig, `global\n  stats socket ${statsSocket} mode 600 level admin\n`);
  const child = spawn('haproxy', ['-db', '-f', 'deploy/haproxy.cfg', '-f', statsConfig], {
    env: { ...process.env, LISTEN: `127.0.0.1:${port}`, ...backends },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  cleanup.add(child, stopChild);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(new Error(`haproxy could not start (is Debian's haproxy installed?): ${error}`)),
    );
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    async serversUp(names, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      // HAProxy has no push for health changes; its admin socket is asked until the checks agree.
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
        last = await adminCommand(statsSocket, 'show stat\n').catch((error) => String(error));
        const up = new Set(
          last
            .split('\n')
            .map((line) => line.split(','))
            .filter((cols) => cols[0] === 'bridges' && cols[17] === 'UP')
            .map((cols) => cols[1]),
        );
        if (names.every((name) => up.has(name))) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(
        `HAProxy servers ${names.join(', ')} not all up in ${timeoutMs} ms:\n${last}`,
      );
    },
  };
}

function adminCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      out += chunk;
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.write(command);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
