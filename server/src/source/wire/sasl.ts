import { TablecastError } from '../../errors.js';
import type { KafkaSaslOptions } from '../../kafka-security.js';
import { ApiKey, type ApiVersionRanges, pickVersion } from './api-versions.js';
import type { ApiRequest, Connection } from './connection.js';
import { ErrorCode, errorName } from './error-codes.js';
import { ScramClient } from './scram.js';

const MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
  oauthbearer: 'OAUTHBEARER',
} as const;

function authFailed(where: string, reason: string, cause?: unknown): TablecastError {
  return new TablecastError(
    'KAFKA_AUTH_FAILED',
    `SASL authentication to ${where} failed: ${reason}. Check the sasl mechanism and credentials against the broker's listener (and that the listener expects SASL).`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Authenticates a fresh connection: SaslHandshake v1 names the mechanism, then SaslAuthenticate
 * (v0-v2) carries its messages as Kafka frames (KIP-152).
 */
export async function authenticate(
  connection: Connection,
  versions: ApiVersionRanges,
  sasl: KafkaSaslOptions,
): Promise<void> {
  const where = connection.where;
  const mechanism = MECHANISMS[sasl.mechanism];
  if (mechanism === undefined) {
    throw authFailed(where, `unknown mechanism ${JSON.stringify(sasl.mechanism)}`);
  }
  const handshakeVersion = pickVersion(versions, ApiKey.SaslHandshake, [1, 1], where);
  const handshake = await connection.send(saslHandshake(handshakeVersion, mechanism));
  if (handshake.error !== ErrorCode.NONE) {
    throw authFailed(
      where,
      `the broker answered ${errorName(handshake.error)}; it offers ${handshake.mechanisms.join(', ') || 'no mechanism'}`,
    );
  }
  const version = pickVersion(versions, ApiKey.SaslAuthenticate, [0, 2], where);
  const step = async (bytes: Buffer): Promise<Buffer> => {
    const answer = await connection.send(saslAuthenticate(version, bytes));
    if (answer.error !== ErrorCode.NONE) {
      throw authFailed(where, answer.message ?? errorName(answer.error));
    }
    return answer.bytes;
  };
  switch (sasl.mechanism) {
    case 'plain':
      await step(Buffer.from(`\0${sasl.username}\0${sasl.password}`, 'utf8'));
      return;
    case 'oauthbearer': {
      let token: string;
      try {
        token = (await sasl.oauthBearerProvider()).value;
      } catch (error) {
        throw authFailed(where, `the oauthBearerProvider threw (${String(error)})`, error);
      }
      // RFC 7628 §3.1: GS2 header, then key=value pairs separated by ^A.
      await step(Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`, 'utf8'));
      return;
    }
    default: {
      const scram = new ScramClient(
        sasl.mechanism === 'scram-sha-256' ? 'sha256' : 'sha512',
        sasl.username,
        sasl.password,
      );
      const serverFirst = await step(scram.firstMessage());
      let final: Buffer;
      try {
        final = await scram.finalMessage(serverFirst);
      } catch (error) {
        throw authFailed(where, (error as Error).message, error);
      }
      const serverFinal = await step(final);
      try {
        scram.verifyServerFinal(serverFinal);
      } catch (error) {
        throw authFailed(where, (error as Error).message, error);
      }
    }
  }
}

function saslHandshake(
  version: number,
  mechanism: string,
): ApiRequest<{ error: number; mechanisms: string[] }> {
  return {
    apiKey: ApiKey.SaslHandshake,
    version,
    flexible: false,
    encode: (e) => e.string(mechanism, false),
    decode: (d) => {
      const error = d.int16();
      const mechanisms: string[] = [];
      const count = d.arrayLength(false);
      for (let i = 0; i < count; i++) mechanisms.push(d.string(false) ?? '');
      return { error, mechanisms };
    },
  };
}

function saslAuthenticate(
  version: number,
  bytes: Buffer,
): ApiRequest<{ error: number; message: string | null; bytes: Buffer }> {
  const flexible = version >= 2;
  return {
    apiKey: ApiKey.SaslAuthenticate,
    version,
    flexible,
    encode: (e) => e.bytes(bytes, flexible).tags(flexible),
    decode: (d) => {
      const error = d.int16();
      const message = d.string(flexible);
      const answer = d.nullableBytes(flexible) ?? Buffer.alloc(0);
      if (version >= 1) d.int64(); // session lifetime; re-authentication is not needed for reads
      d.tags(flexible);
      return { error, message, bytes: answer };
    },
  };
}
