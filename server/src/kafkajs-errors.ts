import { TablecastError } from './errors.js';

// Node's codes for a certificate the client cannot trust or that names another host.
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Turns kafkajs' failures to authenticate or to agree on TLS into TablecastErrors that say what
 * to fix; anything else is returned as it is. The message never holds the password: kafkajs'
 * own messages name the mechanism and user only.
 */
export function kafkaConnectionError(error: unknown, brokers?: readonly string[]): unknown {
  const where = brokers && brokers.length > 0 ? ` (${brokers.join(', ')})` : '';
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    const message = typeof e.message === 'string' ? e.message : '';
    if (e instanceof TablecastError) return e;
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      return new TablecastError(
        'KAFKA_AUTH_FAILED',
        `Kafka refused the SASL credentials${where}: ${message}. Check sasl.mechanism, username ` +
          'and password, and that the listener enables that mechanism.',
        { cause: error },
      );
    }
    if (
      (typeof e.code === 'string' && TLS_CODES.has(e.code)) ||
      /certificate|self[- ]signed|SSL routines|wrong version number/i.test(message)
    ) {
      return new TablecastError(
        'KAFKA_TLS_ERROR',
        `TLS to Kafka failed${where}: ${message}. Pass the cluster's CA as ssl.ca, check that the ` +
          'broker certificate names the host you connect to, and that the listener speaks TLS.',
        { cause: error },
      );
    }
    current = e.cause ?? (e as { originalError?: unknown }).originalError;
  }
  return error;
}
