import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

/**
 * How tablecast authenticates to a secured cluster. One shape for every Kafka connection the
 * project makes (the read path, the writer, the admin), and the same shape kafkajs takes, so it
 * is passed to kafkajs unchanged.
 */
export interface KafkaSecurityOptions {
  /**
   * TLS. `true` uses the system's trusted CAs; an object is handed to `tls.connect` (custom
   * `ca`, client `cert`/`key`/`passphrase`, `servername`, `rejectUnauthorized`).
   */
  readonly ssl?: boolean | KafkaTlsOptions;
  readonly sasl?: KafkaSaslOptions;
}

export type KafkaTlsOptions = Pick<
  TlsConnectionOptions,
  'ca' | 'cert' | 'key' | 'passphrase' | 'pfx' | 'servername' | 'rejectUnauthorized'
>;

export type KafkaSaslOptions =
  | {
      readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      readonly username: string;
      readonly password: string;
    }
  | {
      readonly mechanism: 'oauthbearer';
      /** Called for every new connection: return a fresh token (`value` is the compact JWT). */
      readonly oauthBearerProvider: () => Promise<{ readonly value: string }>;
    };
