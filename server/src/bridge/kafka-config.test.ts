import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBridgeConfig } from './bridge-config.js';
import { BridgeConfigError } from './bridge-config-error.js';
import { kafkaConnectionOptions, parseKafkaConfig } from './kafka-config.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const SECRET = 'hunter2-do-not-log';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tablecast-kafka-config-'));
  await writeFile(join(dir, 'ca.pem'), PEM);
  await writeFile(join(dir, 'not-pem.txt'), 'hello');
});

const messageOf = async (run: () => unknown): Promise<string> => {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a BridgeConfigError');
};

describe('the kafka section of the config file', () => {
  it('reads brokers, TLS files relative to the config file, and SASL', async () => {
    const config = parseKafkaConfig(
      {
        brokers: ['k1:9093'],
        clientId: 'bridge-1',
        ssl: { ca: 'ca.pem', rejectUnauthorized: true },
        sasl: { mechanism: 'scram-sha-512', username: 'svc', password: SECRET },
      },
      'x.json',
    );
    expect(await kafkaConnectionOptions(config, {}, dir)).toEqual({
      brokers: ['k1:9093'],
      clientId: 'bridge-1',
      ssl: { ca: PEM, rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: SECRET },
    });
  });

  it('takes PEM text inline, and ssl: true for the system CAs', async () => {
    expect(
      (await kafkaConnectionOptions({ brokers: ['k:1'], ssl: { ca: PEM } }, {}, dir)).ssl,
    ).toEqual({ ca: PEM });
    expect((await kafkaConnectionOptions({ brokers: ['k:1'], ssl: true }, {}, dir)).ssl).toBe(true);
    expect((await kafkaConnectionOptions({ brokers: ['k:1'] }, {}, dir)).ssl).toBeUndefined();
  });

  it('lets the environment override the file, field by field', async () => {
    const options = await kafkaConnectionOptions(
      { brokers: ['file:1'], sasl: { mechanism: 'plain', username: 'file-user', password: 'x' } },
      {
        KAFKA_BROKERS: 'a:1, b:2',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
        KAFKA_SASL_PASSWORD: SECRET,
      },
      '/',
    );
    expect(options).toEqual({
      brokers: ['a:1', 'b:2'],
      ssl: { ca: PEM },
      sasl: { mechanism: 'scram-sha-256', username: 'file-user', password: SECRET },
    });
    const off = await kafkaConnectionOptions(
      { brokers: ['k:1'], ssl: true },
      { KAFKA_SSL: 'false' },
      dir,
    );
    expect(off.ssl).toBeUndefined();
    expect(
      (await kafkaConnectionOptions({}, { KAFKA_BROKERS: 'k:1', KAFKA_SSL: '1' }, dir)).ssl,
    ).toBe(true);
  });

  it('rejects mistakes with the field named and the secret never echoed', async () => {
    const cases: Array<() => unknown> = [
      () =>
        parseKafkaConfig(
          { brokers: ['k:1'], sasl: { mechanism: 'scram', username: 'u', password: SECRET } },
          'x.json',
        ),
      () =>
        parseKafkaConfig(
          { sasl: { mechanism: 'plain', username: 'u', pasword: SECRET } },
          'x.json',
        ),
      () => parseKafkaConfig({ sasl: { mechanism: 'plain', username: SECRET } }, 'x.json'),
      () => parseKafkaConfig({ password: SECRET }, 'x.json'),
      () => parseKafkaConfig({ ssl: { cert: PEM } }, 'x.json'),
      () => parseKafkaConfig({ ssl: { ca: 1 } }, 'x.json'),
      () => kafkaConnectionOptions({}, { KAFKA_SASL_PASSWORD: SECRET, KAFKA_BROKERS: 'k:1' }, dir),
      () =>
        kafkaConnectionOptions({}, { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET }, dir),
      () => kafkaConnectionOptions({ brokers: ['k:1'] }, { KAFKA_SSL: 'yes' }, dir),
    ];
    const messages = await Promise.all(cases.map(messageOf));
    for (const message of messages) expect(message).not.toContain(SECRET);
    expect(messages).toEqual([
      expect.stringMatching(/"kafka\.sasl\.mechanism" must be one of plain, scram-sha-256/),
      expect.stringMatching(/unknown field "kafka\.sasl\.pasword"/),
      expect.stringMatching(/"kafka\.sasl\.password" must be a non-empty string/),
      expect.stringMatching(/unknown field "kafka\.password"/),
      expect.stringMatching(/"kafka\.ssl\.cert" and "kafka\.ssl\.key" go together/),
      expect.stringMatching(/"kafka\.ssl\.ca" must be a string/),
      expect.stringMatching(/KAFKA_SASL_MECHANISM .* must be one of/),
      expect.stringMatching(/No Kafka brokers/),
      expect.stringMatching(/KAFKA_SSL must be true or false/),
    ]);
  });

  it('names a CA file it cannot read, or that is not PEM', async () => {
    const missing = await messageOf(() =>
      kafkaConnectionOptions({ brokers: ['k:1'], ssl: { ca: 'nope.pem' } }, {}, dir),
    );
    expect(missing).toContain(`cannot read ${join(dir, 'nope.pem')} (ENOENT)`);
    const notPem = await messageOf(() =>
      kafkaConnectionOptions({ brokers: ['k:1'] }, { KAFKA_SSL_CA_FILE: 'not-pem.txt' }, dir),
    );
    expect(notPem).toContain('is not a PEM file');
  });

  it('is part of the bridge config file, beside the older top-level brokers', () => {
    const config = parseBridgeConfig({
      kafka: { brokers: ['k:1'], ssl: true },
      tables: { t: { topic: 't' } },
    });
    expect(config.kafka).toEqual({ brokers: ['k:1'], ssl: true });
    expect(() =>
      parseBridgeConfig({
        brokers: ['a:1'],
        kafka: { brokers: ['k:1'] },
        tables: { t: { topic: 't' } },
      }),
    ).toThrow(/"brokers" or "kafka\.brokers", not both/);
    expect(() =>
      parseBridgeConfig({ kafka: { tls: true }, tables: { t: { topic: 't' } } }),
    ).toThrow(/unknown field "kafka\.tls"/);
  });
});
