import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureTopic } from '../server/src/ensure-topic.js';
import { TablecastError } from '../server/src/errors.js';
import { KafkaTable } from '../server/src/kafka-table.js';
import type { KafkaConnectionOptions } from '../server/src/kafka-table-options.js';
import { KafkaTableWriter } from '../server/src/kafka-table-writer.js';
import type { TableStatus } from '../server/src/table-types.js';
import { codecs } from '../shared/src/codecs/index.js';
import { Cleanup } from './fixtures.js';
import { uniqueTopic } from './kafka.js';
import { RawClient } from './raw-client.js';
import { type SecuredKafka, USERS, unsecuredJwt } from './secured-kafka.js';

// Every Kafka connection tablecast makes (table, writer, ensureTopic) against a SASL_SSL
// listener with a private CA, per SASL mechanism; and failures that say what is wrong instead
// of hanging.

/** The tests of a secured cluster, on `secured()` (see secured-kafka.ts). */
export function securedClusterSuite(secured: () => SecuredKafka): void {
  let cleanup: Cleanup;
  beforeEach(() => {
    cleanup = new Cleanup();
  });
  afterEach(() => cleanup.dispose());

  const logged: string[] = [];
  const logger = {
    warn: (message: string, context?: unknown) => logged.push(message, JSON.stringify(context)),
    error: (message: string, context?: unknown) => logged.push(message, JSON.stringify(context)),
  };

  function connection(
    sasl: KafkaConnectionOptions['sasl'],
    ca = secured().ca,
  ): KafkaConnectionOptions {
    return { brokers: secured().brokers, ssl: { ca }, ...(sasl ? { sasl } : {}) };
  }

  async function roundTrip(connect: KafkaConnectionOptions): Promise<void> {
    const topic = uniqueTopic('secured');
    const created = await ensureTopic({ ...connect, topic, numPartitions: 2, logger });
    expect(created.action).toBe('created');
    const writer = cleanup.add(
      new KafkaTableWriter({ ...connect, topic, valueCodec: codecs.json(), logger }),
      (w) => w.stop(),
    );
    await writer.start();
    await writer.set('a', { n: 1 });
    await writer.set('b', { n: 2 });
    await writer.delete('a');
    const table = cleanup.add(
      new KafkaTable({
        ...connect,
        topic,
        valueCodec: codecs.json(),
        logger,
        catchupTimeoutMs: 15_000,
      }),
      (t) => t.stop(),
    );
    await table.start();
    expect(table.status).toBe('caught_up');
    expect(table.snapshot()).toEqual(new Map([['b', { n: 2 }]]));
    const position = await writer.set('c', { n: 3 });
    expect(await table.waitFor(position, 10_000)).toBe(true);
    expect(table.get('c')).toEqual({ n: 3 });
  }

  describe('a SASL_SSL cluster with a private CA', () => {
    it.each(['scram-sha-256', 'scram-sha-512', 'plain'] as const)(
      'is reached by ensureTopic, KafkaTableWriter and KafkaTable with %s',
      async (mechanism) => {
        await roundTrip(connection({ mechanism, ...USERS[mechanism] }));
      },
    );

    it('is reached with OAUTHBEARER tokens from the provider (the broker checks unsecured JWTs)', async () => {
      let tokens = 0;
      await roundTrip(
        connection({
          mechanism: 'oauthbearer',
          oauthBearerProvider: async () => {
            tokens++;
            return { value: unsecuredJwt('dave') };
          },
        }),
      );
      expect(tokens).toBeGreaterThan(0);
    });

    it('fails a table with KAFKA_AUTH_FAILED on a wrong password, never naming the password', async () => {
      const password = 'not-the-password-7f3a';
      const wrong = connection({ mechanism: 'scram-sha-256', username: 'alice', password });
      const table = cleanup.add(
        new KafkaTable({
          ...wrong,
          topic: uniqueTopic('denied'),
          valueCodec: codecs.json(),
          logger,
        }),
        (t) => t.stop(),
      );
      const error = await table.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TablecastError);
      expect((error as TablecastError).code).toBe('KAFKA_AUTH_FAILED');
      expect((error as Error).message).toMatch(/SASL credentials/);
      expect(table.status).toBe('failed');
      expect(table.failure).toBe(error);
      const writer = new KafkaTableWriter({ ...wrong, topic: 'denied', valueCodec: codecs.json() });
      await expect(writer.start()).rejects.toMatchObject({ code: 'KAFKA_AUTH_FAILED' });
      await expect(ensureTopic({ ...wrong, topic: 'denied', logger })).rejects.toMatchObject({
        code: 'KAFKA_AUTH_FAILED',
      });
      for (const text of [(error as Error).message, String((error as Error).stack), ...logged]) {
        expect(text).not.toContain(password);
      }
    });

    it('fails with KAFKA_TLS_ERROR when the broker certificate is not signed by a trusted CA', async () => {
      const untrusted = connection({ mechanism: 'plain', ...USERS.plain }, secured().untrustedCa);
      const table = cleanup.add(
        new KafkaTable({
          ...untrusted,
          topic: uniqueTopic('tls'),
          valueCodec: codecs.json(),
          logger,
        }),
        (t) => t.stop(),
      );
      const writer = new KafkaTableWriter({
        ...untrusted,
        topic: 'tls',
        valueCodec: codecs.json(),
      });
      // kafkajs retries a failed connection for a few seconds before giving up; both at once.
      const [tableError, writerError] = await Promise.all(
        [table.start(), writer.start()].map((p) =>
          p.then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      );
      expect(tableError).toMatchObject({ code: 'KAFKA_TLS_ERROR' });
      expect((tableError as Error).message).toMatch(/Pass the cluster's CA as ssl\.ca/);
      expect(writerError).toMatchObject({ code: 'KAFKA_TLS_ERROR' });
      expect(table.status).toBe('failed');
    });
  });

  describe('tablecast serve against the SASL_SSL cluster', () => {
    /** Runs the CLI until its table reports `until`, with everything it printed. */
    async function serve(env: Record<string, string>, until: TableStatus) {
      const dir = await mkdtemp(join(tmpdir(), 'tablecast-cli-secured-'));
      cleanup.add(dir, (d) => rm(d, { recursive: true, force: true }));
      await writeFile(join(dir, 'ca.pem'), secured().ca);
      const config = join(dir, 'tablecast.json');
      await writeFile(
        config,
        JSON.stringify({
          kafka: { brokers: secured().brokers, ssl: { ca: 'ca.pem' } },
          tables: { flags: { topic: uniqueTopic('cli-secured'), catchupTimeoutMs: 15_000 } },
        }),
      );
      const { KAFKA_BROKERS: _ignored, ...inherited } = process.env;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--config', config, '--port', '0'],
        { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      cleanup.add(child, (c) => {
        if (c.exitCode === null) c.kill('SIGKILL');
      });
      let printed = '';
      const url = await new Promise<string>((resolve, reject) => {
        const collect = (chunk: string) => {
          printed += chunk;
          const found = /listening on (ws:\/\/\S+)/.exec(printed)?.[1];
          if (found) resolve(found);
        };
        child.stdout!.setEncoding('utf8').on('data', collect);
        child.stderr!.setEncoding('utf8').on('data', collect);
        child.once('exit', (code) =>
          reject(new Error(`tablecast serve exited (${code}):\n${printed}`)),
        );
      });
      const client = await RawClient.connect(url);
      client.send({ type: 'subscribe', sub: 's', table: 'flags' });
      const end = await client.next('snapshot-end');
      const status =
        end.status === until
          ? { status: until, reason: undefined }
          : await client.next('status', (s) => s.status === until);
      await client.close();
      child.kill('SIGTERM');
      // 'close', not 'exit': every byte it printed has been read by then.
      await once(child, 'close');
      return { status, printed: () => printed };
    }

    it('serves a table with TLS from the config file and SCRAM from the environment', async () => {
      const { status } = await serve(
        {
          KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
          KAFKA_SASL_USERNAME: USERS['scram-sha-512'].username,
          KAFKA_SASL_PASSWORD: USERS['scram-sha-512'].password,
        },
        'caught_up',
      );
      expect(status.status).toBe('caught_up');
    });

    it('reports a wrong password as a failed table with a clear reason, never printing it', async () => {
      const password = 'wrong-password-c41f';
      const { status, printed } = await serve(
        {
          KAFKA_SASL_MECHANISM: 'plain',
          KAFKA_SASL_USERNAME: USERS.plain.username,
          KAFKA_SASL_PASSWORD: password,
        },
        'failed',
      );
      expect(status.reason).toMatch(/refused the SASL credentials/);
      expect(printed()).toMatch(/failed to start/);
      expect(printed()).not.toContain(password);
    });
  });
}
