import { TablecastError } from '../../errors.js';

/**
 * The Kafka protocol error codes the read path acts on, and what each one means for it. Codes
 * not listed here are treated as transient: the partition is retried with backoff, so an error
 * a newer broker invents never kills a table.
 */
export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REPLICA_NOT_AVAILABLE: 9,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  SASL_AUTHENTICATION_FAILED: 58,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  OFFSET_NOT_AVAILABLE: 78,
  UNKNOWN_TOPIC_ID: 100,
  INCONSISTENT_TOPIC_ID: 103,
} as const;

const NAMES = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

export function errorName(code: number): string {
  return NAMES.get(code) ?? `error code ${code}`;
}

/** Errors after which the client's idea of who leads a partition is stale: refresh metadata. */
export function needsMetadataRefresh(code: number): boolean {
  return (
    code === ErrorCode.NOT_LEADER_OR_FOLLOWER ||
    code === ErrorCode.LEADER_NOT_AVAILABLE ||
    code === ErrorCode.REPLICA_NOT_AVAILABLE ||
    code === ErrorCode.FENCED_LEADER_EPOCH ||
    code === ErrorCode.UNKNOWN_LEADER_EPOCH ||
    code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
    code === ErrorCode.UNKNOWN_TOPIC_ID ||
    code === ErrorCode.INCONSISTENT_TOPIC_ID ||
    code === ErrorCode.OFFSET_NOT_AVAILABLE
  );
}

/** Errors that no retry can fix: the operator must change credentials, ACLs or versions. */
export function isFatal(code: number): boolean {
  return (
    code === ErrorCode.TOPIC_AUTHORIZATION_FAILED ||
    code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED ||
    code === ErrorCode.UNSUPPORTED_VERSION ||
    code === ErrorCode.SASL_AUTHENTICATION_FAILED ||
    code === ErrorCode.UNSUPPORTED_SASL_MECHANISM ||
    code === ErrorCode.ILLEGAL_SASL_STATE
  );
}

/** A transient error a broker answered with; the read path retries after it. */
export class BrokerErrorResponse extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, what: string) {
    super(`${what}: the broker answered ${errorName(errorCode)}.`);
    this.name = 'BrokerErrorResponse';
    this.errorCode = errorCode;
  }
}

/** The TablecastError for a fatal error code, saying what to change. */
export function fatalError(code: number, what: string, detail?: string | null): TablecastError {
  const said = `${what}: the broker answered ${errorName(code)}${detail ? ` (${detail})` : ''}.`;
  switch (code) {
    case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
      return new TablecastError(
        'KAFKA_NOT_AUTHORIZED',
        `${said} Grant the principal Describe and Read on the topic (ACLs), or use other credentials.`,
      );
    case ErrorCode.UNSUPPORTED_VERSION:
      return new TablecastError(
        'KAFKA_PROTOCOL_ERROR',
        `${said} The broker is too old or too new for tablecast's Kafka client; it needs Kafka 2.4 or later.`,
      );
    default:
      return new TablecastError(
        'KAFKA_AUTH_FAILED',
        `${said} Check the sasl mechanism, username and password (or token) against the broker's listener.`,
      );
  }
}
