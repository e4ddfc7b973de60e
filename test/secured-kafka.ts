import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type KafkaBroker, startKafka } from '../scripts/kafka/broker.js';

const run = promisify(execFile);

/** The users the secured broker knows, per SASL mechanism. */
export const USERS = {
  'scram-sha-256': { username: 'alice', password: 'alice-secret-256' },
  'scram-sha-512': { username: 'bob', password: 'bob-secret-512' },
  plain: { username: 'carol', password: 'carol-secret-plain' },
} as const;

export interface SecuredKafka {
  /** A broker with a SASL_SSL listener (and its PLAINTEXT one, for setup only). */
  readonly broker: KafkaBroker;
  /** Bootstrap list of the SASL_SSL listener. */
  readonly brokers: string[];
  /** PEM of the CA that signed the broker's certificate. */
  readonly ca: string;
  readonly caFile: string;
  /** PEM of a CA that signed nothing the broker has. */
  readonly untrustedCa: string;
  stop(): Promise<void>;
}

/**
 * Starts a broker whose SECURE listener speaks SASL_SSL with a certificate for 127.0.0.1 and
 * localhost signed by a CA made here, and accepts PLAIN (users in the JAAS config), SCRAM-SHA-256
 * and SCRAM-SHA-512 (credentials written at storage format, as KRaft keeps them) and
 * OAUTHBEARER (the broker's unsecured-JWT validator: tokens with alg "none").
 */
export async function startSecuredKafka(
  extraConfig: Readonly<Record<string, string>> = {},
): Promise<SecuredKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'tablecast-tls-'));
  try {
    const { caFile, keystore } = await makeCertificates(dir);
    const untrustedCaFile = join(dir, 'untrusted-ca.pem');
    await selfSignedCa(dir, 'untrusted-ca', 'tablecast untrusted test CA');
    const plain = USERS.plain;
    const listener = 'listener.name.secure';
    const broker = await startKafka({
      heapMb: 512,
      secureListener: { protocol: 'SASL_SSL' },
      formatArgs: [
        '--add-scram',
        scram('SCRAM-SHA-256', USERS['scram-sha-256']),
        '--add-scram',
        scram('SCRAM-SHA-512', USERS['scram-sha-512']),
      ],
      extraConfig: {
        [`${listener}.ssl.keystore.type`]: 'PEM',
        [`${listener}.ssl.keystore.location`]: keystore,
        [`${listener}.sasl.enabled.mechanisms`]: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
        [`${listener}.plain.sasl.jaas.config`]: `org.apache.kafka.common.security.plain.PlainLoginModule required user_${plain.username}="${plain.password}";`,
        [`${listener}.scram-sha-256.sasl.jaas.config`]:
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        [`${listener}.scram-sha-512.sasl.jaas.config`]:
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        [`${listener}.oauthbearer.sasl.jaas.config`]:
          'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
        ...extraConfig,
      },
    });
    const [ca, untrustedCa] = await Promise.all([
      readFile(caFile, 'utf8'),
      readFile(untrustedCaFile, 'utf8'),
    ]);
    return {
      broker,
      brokers: [broker.secureBrokers!],
      ca,
      caFile,
      untrustedCa,
      async stop() {
        await broker.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** An unsigned JWT (alg "none") the broker's unsecured validator accepts. */
export function unsecuredJwt(subject: string, lifetimeSeconds = 600): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + lifetimeSeconds })}.`;
}

function scram(mechanism: string, user: { username: string; password: string }): string {
  return `${mechanism}=[name=${user.username},password=${user.password}]`;
}

async function makeCertificates(dir: string): Promise<{ caFile: string; keystore: string }> {
  const caFile = await selfSignedCa(dir, 'ca', 'tablecast test CA');
  const key = join(dir, 'broker.key');
  const csr = join(dir, 'broker.csr');
  const cert = join(dir, 'broker.pem');
  const extensions = join(dir, 'broker.ext');
  await writeFile(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    '/CN=localhost',
  );
  await openssl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    extensions,
  );
  // Kafka's PEM key store: the (unencrypted PKCS#8) key, then the certificate chain.
  const keystore = join(dir, 'broker-keystore.pem');
  const parts = await Promise.all([key, cert, caFile].map((file) => readFile(file, 'utf8')));
  await writeFile(keystore, parts.join(''));
  return { caFile, keystore };
}

async function selfSignedCa(dir: string, name: string, subject: string): Promise<string> {
  const file = join(dir, `${name}.pem`);
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    file,
    '-days',
    '2',
    '-subj',
    `/CN=${subject}`,
  );
  return file;
}

async function openssl(...args: string[]): Promise<void> {
  await run('openssl', args);
}
