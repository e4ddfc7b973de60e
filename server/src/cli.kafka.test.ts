import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { brokers, uniqueTopic } from '../../test/kafka.js';
import { RawClient } from '../../test/raw-client.js';
import { parseBridgeConfig } from './bridge/bridge-config.js';

describe('tablecast serve', () => {
  it('runs a bridge from a config file, with its limits, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tablecast-cli-'));
    const config = join(dir, 'tablecast.json');
    await writeFile(
      config,
      JSON.stringify({
        tables: { flags: { topic: uniqueTopic('cli'), numPartitions: 2 } },
        maxMessageBytes: 1024,
      }),
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--config', config, '--port', '0'],
      {
        env: { ...process.env, KAFKA_BROKERS: brokers().join(',') },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout! });
      let url: string | undefined;
      for await (const line of lines) {
        url = /listening on (ws:\/\/\S+)/.exec(line)?.[1];
        if (url) break;
      }
      expect(url).toBeDefined();
      const client = await RawClient.connect(url!);
      client.send({ type: 'subscribe', sub: 's', table: 'flags' });
      const end = await client.next('snapshot-end');
      if (end.status !== 'caught_up') await client.next('status', (s) => s.status === 'caught_up');
      await client.close();
      // The config file's limit reached the bridge: a larger frame closes the socket with 1009.
      const big = await RawClient.connect(url!);
      big.send(JSON.stringify({ type: 'subscribe', sub: 'x'.repeat(2048), table: 'flags' }));
      await big.closed();
      expect(big.closeCode).toBe(1009);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('rejects a config file with mistakes, naming the field', () => {
    expect(() => parseBridgeConfig({ tables: {} }, 'x.json')).toThrow(/x\.json: "tables"/);
    expect(() => parseBridgeConfig({ tables: { t: { topic: 't', value: 'xml' } } })).toThrow(
      /tables\.t\.value/,
    );
    expect(() => parseBridgeConfig({ tables: { t: { topic: 't' } }, prot: 1 })).toThrow(
      /unknown field "prot"/,
    );
  });
});
