import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { RawClient } from '../../test/raw-client.js';

describe('tablecast serve --workers', () => {
  it('serves one port from several bridge processes, replaces a killed one, and stops them all on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tablecast-cluster-'));
    const config = join(dir, 'tablecast.json');
    await writeFile(
      config,
      JSON.stringify({ tables: { flags: { topic: uniqueTopic('cluster') } } }),
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/src/cli.ts',
        'serve',
        '--config',
        config,
        '--port',
        '0',
        '--workers',
        '2',
      ],
      {
        env: { ...process.env, KAFKA_BROKERS: brokers().join(',') },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      // "listening" lines, one per worker that came up, in order.
      const listening: Array<{ url: string; pid: number }> = [];
      let announce = () => {};
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const match = /listening on (ws:\/\/\S+) .*pid (\d+)/.exec(line);
        if (!match) return;
        listening.push({ url: match[1]!, pid: Number(match[2]) });
        announce();
      });
      const workersListening = (n: number) =>
        new Promise<void>((resolve) => {
          announce = () => {
            if (listening.length >= n) resolve();
          };
          announce();
        });
      await workersListening(2);
      const [first, second] = listening;
      expect(first!.url).toBe(second!.url);
      expect(first!.pid).not.toBe(second!.pid);

      // Connections are spread over the workers: each is a bridge with its own id.
      const ids = new Set<string>();
      for (let i = 0; i < 6 && ids.size < 2; i++) {
        const client = await RawClient.connect(first!.url);
        ids.add((await client.next('welcome')).bridge);
        client.send({ type: 'subscribe', sub: 's', table: 'flags' });
        await client.next('snapshot-end');
        await client.close();
      }
      expect(ids.size).toBe(2);

      process.kill(first!.pid, 'SIGKILL');
      await workersListening(3);
      expect(listening[2]!.url).toBe(first!.url);

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      for (const { pid } of listening.slice(1)) {
        expect(() => process.kill(pid, 0)).toThrow();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
