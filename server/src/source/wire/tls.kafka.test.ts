import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../../scripts/kafka/broker.js';
import { freePort } from '../../../../test/free-port.js';
import { wireSource } from './wire-source.js';

// A broker of our own with a second, SSL listener whose certificate a throwaway CA signed.
let broker: KafkaBroker | undefined;
let dir: string;
let tlsAddress: string;
let ca: Buffer;
const quiet = { warn: () => {}, error: () => {} };

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tablecast-tls-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=tablecast-test-ca',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  const pem =
    (await readFile(join(dir, 'server.key'), 'utf8')) +
    (await readFile(join(dir, 'server.crt'), 'utf8'));
  await writeFile(join(dir, 'server.pem'), pem);
  ca = await readFile(join(dir, 'ca.crt'));
  const [port, tlsPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  tlsAddress = `127.0.0.1:${tlsPort}`;
  broker = await startKafka({
    port,
    controllerPort,
    extraConfig: {
      listeners: `PLAINTEXT://127.0.0.1:${port},SSL://${tlsAddress},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},SSL://${tlsAddress}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT',
      'listener.name.ssl.ssl.keystore.type': 'PEM',
      'listener.name.ssl.ssl.keystore.location': join(dir, 'server.pem'),
    },
  });
}, 120_000);

afterAll(async () => {
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('wireSource over TLS', () => {
  it('connects with the CA that signed the broker certificate', async () => {
    const source = wireSource({ brokers: [tlsAddress], ssl: { ca }, logger: quiet });
    try {
      await expect(source.offsets('missing-topic')).rejects.toMatchObject({
        code: 'TOPIC_NOT_FOUND',
      });
    } finally {
      await source.close();
    }
  });

  it('fails at once with KAFKA_TLS_ERROR when the certificate cannot be verified', async () => {
    const source = wireSource({ brokers: [tlsAddress], ssl: true, logger: quiet });
    try {
      await expect(source.offsets('any')).rejects.toMatchObject({ code: 'KAFKA_TLS_ERROR' });
    } finally {
      await source.close();
    }
  });
});
