import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../client/src/create-client.js';
import type { TableHandle } from '../client/src/table-handle.js';
import type { WebSocketLikeConstructor } from '../client/src/websocket-like.js';
import { startKafka } from '../scripts/kafka/broker.js';
import { KafkaTable } from '../server/src/kafka-table.js';
import { KafkaTableWriter } from '../server/src/kafka-table-writer.js';
import { codecs } from '../shared/src/codecs/index.js';
import { untilMap } from './client-fixtures.js';
import { Cleanup, connectAdmin, createTopic, testKafka, until } from './fixtures.js';
import { freePort } from './free-port.js';

let cleanup: Cleanup;
/** What the bridge processes and the clients said, printed when the test fails. */
let said: string[];
/** Each handle's state, added to `said` when the test fails. */
let states: () => string[];
beforeEach(() => {
  cleanup = new Cleanup();
  said = [];
  states = () => [];
});
afterEach(async () => {
  await cleanup.dispose();
});

/**
 * Runs the scenario; a failure carries what was said in its message, where a CI excerpt that
 * keeps only the failure's report still shows it.
 */
async function telling(scenario: () => Promise<void>): Promise<void> {
  try {
    await scenario();
  } catch (error) {
    const log = [...said, ...states()].join('\n');
    if (error instanceof Error) error.message += `\n[chaos] what was said:\n${log}`;
    throw error;
  }
}

const quiet = { warn: () => {}, error: () => {} };
const step = (what: string) => {
  const line = `[chaos] ${new Date().toISOString()} ${what}`;
  said.push(line);
  process.stderr.write(`${line}\n`);
};

/** A bridge child process on `port`; resolves once it listens. */
async function bridgeProcess(brokers: string, topic: string, port: number): Promise<ChildProcess> {
  const script = 'test/chaos-bridge.ts';
  const args = [
    '--import',
    'tsx',
    script,
    '--brokers',
    brokers,
    '--topic',
    topic,
    '--port',
    `${port}`,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.add(child, (c) => c.kill('SIGKILL'));
  const name = `bridge ${child.pid}`;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    for (const line of text.split('\n')) if (line !== '') said.push(`[${name}] ${line}`);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bridge exited with ${code}`)));
  });
  return child;
}

const sorted = (map: ReadonlyMap<string, unknown>) => JSON.stringify([...map].sort());

describe('chaos', () => {
  it('every client map equals the topic after kill -9 of the bridge and SIGKILL of the broker during writes', () =>
    telling(async () => {
      step('starting a broker of its own');
      const broker = cleanup.add(await startKafka({ log: () => {} }), (b) => b.stop());
      const brokers = broker.brokers;
      const topic = 'chaos';
      await createTopic(await connectAdmin(testKafka([brokers]), cleanup), topic, 2);
      const writer = cleanup.add(
        new KafkaTableWriter({ brokers: [brokers], topic, valueCodec: codecs.json() }),
        (w) => w.stop(),
      );
      await writer.start();
      const port = await freePort();
      step('starting the bridge');
      let bridge = await bridgeProcess(brokers, topic, port);
      const handles: Array<TableHandle<number>> = Array.from({ length: 3 }, (_, i) =>
        cleanup
          .add(
            createClient({
              url: `ws://127.0.0.1:${port}`,
              WebSocket: WebSocket as unknown as WebSocketLikeConstructor,
              backoff: { initialDelayMs: 50, maxDelayMs: 500 },
              onError: (error) =>
                said.push(
                  `[client ${i}] ${new Date().toISOString()} ${error.code}: ${error.message}`,
                ),
            }),
            (c) => c.close(),
          )
          .table<number>('t'),
      );
      let written = 0;
      let failed = 0;
      let lastFailure = '';
      let writing = true;
      states = () => [
        ...handles.map(
          (h, i) =>
            `[client ${i}] at the end: ${h.status}${h.statusReason ? ` (${h.statusReason})` : ''}, ${h.size} keys`,
        ),
        `[writer] ${written} acked writes, ${failed} failed${failed > 0 ? ` (last: ${lastFailure})` : ''}`,
      ];
      const progress = new EventEmitter();
      // Registered after the writer, so it runs before the writer's stop() (cleanups run last
      // first): a test that fails midway stops this loop instead of leaving it to spin.
      cleanup.add(undefined, () => {
        writing = false;
      });
      const writes = (async () => {
        for (let n = 0; writing; n++) {
          const key = `k${n % 50}`;
          // Writes fail while the broker is down; the map is compared with what the log holds. A
          // failed write waits a little before the next, as a real writer backs off: a writer
          // that rejects at once (stopped) must not starve the event loop of its timers.
          const ok = await (n % 7 === 6 ? writer.delete(key) : writer.set(key, n)).then(
            () => true,
            (error: unknown) => {
              lastFailure = String(error);
              return false;
            },
          );
          if (ok) {
            written++;
            progress.emit('write');
          } else {
            failed++;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      })();
      await untilMap(handles[0]!, (m) => m.size > 10, 30_000);
      step('kill -9 the bridge');
      bridge.kill('SIGKILL');
      bridge = await bridgeProcess(brokers, topic, port);
      await untilMap(handles[1]!, (m) => m.size > 20, 30_000);
      step('SIGKILL the broker');
      await broker.kill();
      await broker.start();
      step('broker back');
      const after = written;
      // The writer's own recovery, apart from the clients': a failure here names which stalled.
      await until(
        (listener) => {
          progress.on('write', listener);
          return () => progress.off('write', listener);
        },
        () => written > after + 100,
        `100 acked writes after the broker came back (${written - after} so far)`,
        60_000,
      );
      step('writes resumed');
      writing = false;
      await writes;
      step('writes stopped; reading the topic independently');
      const truth = cleanup.add(
        new KafkaTable({ brokers: [brokers], topic, valueCodec: codecs.json(), logger: quiet }),
        (t) => t.stop(),
      );
      await truth.start();
      expect(await truth.barrier(20_000)).toBe(true);
      const expected = sorted(truth.snapshot());
      for (const handle of handles) await untilMap(handle, (m) => sorted(m) === expected, 30_000);
      step('every client equals the topic');
    }));
});
