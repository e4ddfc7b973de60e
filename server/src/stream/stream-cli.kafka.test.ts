import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  connectAdmin,
  connectProducer,
  createTopic,
  produce,
  testKafka,
} from '../../../test/fixtures.js';
import { brokers, uniqueTopic } from '../../../test/kafka.js';
import { RawClient, replay } from '../../../test/raw-client.js';

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

describe('tablecast serve with a stream table', () => {
  it('serves { "kind": "stream" } from the config file as rows of its last records', async () => {
    const topic = uniqueTopic('cli-stream');
    const kafka = testKafka(brokers());
    await createTopic(await connectAdmin(kafka, cleanup), topic, 1, { 'cleanup.policy': 'delete' });
    const producer = await connectProducer(kafka, cleanup);
    await produce(
      producer,
      topic,
      Array.from({ length: 5 }, (_, i) => ({ key: `e${i}`, value: JSON.stringify({ i }) })),
    );
    const dir = await mkdtemp(join(tmpdir(), 'tablecast-cli-stream-'));
    const config = join(dir, 'tablecast.json');
    await writeFile(
      config,
      JSON.stringify({ tables: { events: { topic, kind: 'stream', limit: 2 } } }),
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
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout! })) {
        url = /listening on (ws:\/\/\S+)/.exec(line)?.[1];
        if (url) break;
      }
      expect(url).toBeDefined();
      const client = await RawClient.connect(url!);
      client.send({ type: 'subscribe', sub: 's', table: 'events' });
      // The CLI listens before its tables have caught up: the gate may open after the snapshot.
      const end = await client.next('snapshot-end');
      if (end.status !== 'caught_up') await client.next('status', (m) => m.status === 'caught_up');
      expect(Object.fromEntries(replay(client.messages, 's', 'events'))).toEqual({
        '0:3': {
          key: 'e3',
          value: { i: 3 },
          timestamp: expect.any(Number),
          partition: 0,
          offset: 3,
        },
        '0:4': {
          key: 'e4',
          value: { i: 4 },
          timestamp: expect.any(Number),
          partition: 0,
          offset: 4,
        },
      });
      await client.close();
      expect(client.violations).toEqual([]);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
