import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../../scripts/kafka/broker.js';
import { ensureKafkaJars } from '../../../../scripts/kafka/fetch.js';
import { Cleanup, connectAdmin, createTopic, testKafka } from '../../../../test/fixtures.js';
import { freePort } from '../../../../test/free-port.js';
import { uniqueTopic } from '../../../../test/kafka.js';
import type { KafkaSaslOptions } from '../../kafka-security.js';
import { wireSource } from './wire-source.js';

// A broker of our own with a second, SASL_PLAINTEXT listener (PLAIN users from the JAAS config,
// SCRAM users added with Kafka's own ConfigCommand); the plain listener is for setup.
let broker: KafkaBroker;
let saslAddress: string;
const cleanup = new Cleanup();
const quiet = { warn: () => {}, error: () => {} };

beforeAll(async () => {
  const [port, saslPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  saslAddress = `127.0.0.1:${saslPort}`;
  broker = await startKafka({
    port,
    controllerPort,
    extraConfig: {
      listeners: `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://${saslAddress},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://${saslAddress}`,
      'listener.security.protocol.map':
        'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      // With no validator configured, brokers accept unsigned JWTs (alg "none") for OAUTHBEARER.
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    },
  });
  const libs = await ensureKafkaJars();
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    execFileSync('java', [
      '-cp',
      join(libs, '*'),
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      broker.brokers,
      '--alter',
      '--add-config',
      `${mechanism}=[iterations=4096,password=bob-secret]`,
      '--entity-type',
      'users',
      '--entity-name',
      'bob',
    ]);
  }
}, 120_000);

afterAll(async () => {
  await cleanup.dispose();
  await broker?.stop();
});

async function topicWithRecord(): Promise<string> {
  const topic = uniqueTopic('sasl');
  const kafka = testKafka([broker.brokers]);
  const admin = await connectAdmin(kafka, cleanup);
  await createTopic(admin, topic);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
  await producer.disconnect();
  return topic;
}

/** An unsigned JWT (alg "none"), which a broker without an OAuth validator accepts. */
function unsignedJwt(subject: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + 3600 })}.`;
}

describe('wireSource over SASL', () => {
  it.each([
    { mechanism: 'plain', username: 'alice', password: 'alice-secret' },
    { mechanism: 'scram-sha-256', username: 'bob', password: 'bob-secret' },
    { mechanism: 'scram-sha-512', username: 'bob', password: 'bob-secret' },
    {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: unsignedJwt('carol') }),
    },
  ] satisfies KafkaSaslOptions[])('authenticates with $mechanism and reads', async (sasl) => {
    const topic = await topicWithRecord();
    const source = cleanup.add(wireSource({ brokers: [saslAddress], sasl, logger: quiet }), (s) =>
      s.close(),
    );
    expect(await source.offsets(topic)).toEqual([{ partition: 0, earliest: 0, end: 1 }]);
    const batch = await new Promise<{ key: string; value: string }>((resolve, reject) => {
      source
        .consume({
          topic,
          startAt: new Map([[0, 0]]),
          positionOf: () => undefined,
          onFatal: reject,
          onBatch: (b) => {
            const [record] = b.records;
            if (record) {
              resolve({
                key: Buffer.from(record.key!).toString(),
                value: Buffer.from(record.value!).toString(),
              });
            }
          },
        })
        .then((s) => cleanup.add(s, (sub) => sub.close()), reject);
    });
    expect(batch).toEqual({ key: 'k', value: 'v' });
  });

  it.each([
    { mechanism: 'plain', username: 'alice', password: 'wrong' },
    { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'not-a-jwt' }) },
    { mechanism: 'scram-sha-256', username: 'bob', password: 'wrong' },
    { mechanism: 'scram-sha-512', username: 'nobody', password: 'bob-secret' },
  ] satisfies KafkaSaslOptions[])(
    'fails $mechanism with bad credentials as KAFKA_AUTH_FAILED, at once',
    async (sasl) => {
      const source = cleanup.add(wireSource({ brokers: [saslAddress], sasl, logger: quiet }), (s) =>
        s.close(),
      );
      await expect(source.offsets('any')).rejects.toMatchObject({ code: 'KAFKA_AUTH_FAILED' });
    },
  );
});
