import type { KafkaSecurityOptions } from '../../kafka-security.js';
import { ApiKey, apiVersionsRequest, pickVersion } from './api-versions.js';
import { Connection } from './connection.js';
import { authenticate } from './sasl.js';

/** The versions of each API this client speaks (see fetch.ts, list-offsets.ts, metadata.ts). */
const FETCH: readonly [number, number] = [11, 13];
const LIST_OFFSETS: readonly [number, number] = [2, 7];
const METADATA: readonly [number, number] = [9, 12];

export interface BrokerOptions extends KafkaSecurityOptions {
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** A connection that is authenticated and knows which version of each API to use. */
export interface BrokerConnection {
  readonly connection: Connection;
  readonly fetchVersion: number;
  readonly listOffsetsVersion: number;
  readonly metadataVersion: number;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return {
    host: address.slice(0, at).replace(/^\[|\]$/g, ''),
    port: Number(address.slice(at + 1)),
  };
}

/** Connects (TLS when asked), asks ApiVersions first, then authenticates when SASL is set. */
export async function connectBroker(
  host: string,
  port: number,
  options: BrokerOptions,
): Promise<BrokerConnection> {
  const connection = await Connection.open({
    host,
    port,
    clientId: options.clientId,
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    ...(options.ssl ? { ssl: options.ssl } : {}),
  });
  try {
    const ranges = await connection.send(apiVersionsRequest());
    const where = connection.where;
    const picked: BrokerConnection = {
      connection,
      fetchVersion: pickVersion(ranges, ApiKey.Fetch, FETCH, where),
      listOffsetsVersion: pickVersion(ranges, ApiKey.ListOffsets, LIST_OFFSETS, where),
      metadataVersion: pickVersion(ranges, ApiKey.Metadata, METADATA, where),
    };
    if (options.sasl) await authenticate(connection, ranges, options.sasl);
    return picked;
  } catch (error) {
    connection.close();
    throw error;
  }
}
