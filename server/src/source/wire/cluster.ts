import { TablecastError } from '../../errors.js';
import {
  type BrokerConnection,
  type BrokerOptions,
  connectBroker,
  splitHostPort,
} from './broker-connection.js';
import { metadataRequest, type TopicMetadata } from './metadata.js';

export interface ClusterOptions extends BrokerOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
}

/** Errors no retry can fix: bad credentials, TLS set up wrong, a broker we cannot speak to. */
export function isFatalError(error: unknown): boolean {
  return (
    error instanceof TablecastError &&
    (error.code === 'KAFKA_AUTH_FAILED' ||
      error.code === 'KAFKA_NOT_AUTHORIZED' ||
      error.code === 'KAFKA_TLS_ERROR' ||
      error.code === 'KAFKA_PROTOCOL_ERROR')
  );
}

/**
 * The brokers of a cluster and our connections to them. Connections are kept per broker and
 * per purpose: a long-polling fetch holds its connection for up to its max wait, so offsets and
 * metadata requests use a connection of their own and are not queued behind it.
 */
export class Cluster {
  readonly #options: ClusterOptions;
  readonly #nodes = new Map<number, { host: string; port: number }>();
  readonly #connections = new Map<string, Promise<BrokerConnection>>();
  #closed = false;

  constructor(options: ClusterOptions) {
    this.#options = options;
  }

  /** A connection to the broker at `address`, opened on first use and reopened once closed. */
  connect(address: { host: string; port: number }, purpose: string): Promise<BrokerConnection> {
    if (this.#closed) return Promise.reject(new Error('The Kafka client is closed.'));
    const key = `${purpose}@${address.host}:${address.port}`;
    const cached = this.#connections.get(key);
    if (cached) return cached;
    const opened = connectBroker(address.host, address.port, this.#options);
    this.#connections.set(key, opened);
    const forget = () => {
      if (this.#connections.get(key) === opened) this.#connections.delete(key);
    };
    opened.then((broker) => {
      if (this.#closed) broker.connection.close();
      broker.connection.onClose(forget);
    }, forget);
    return opened;
  }

  /** A connection to the broker with node id `node`, as the last metadata named it. */
  connectNode(node: number, purpose: string): Promise<BrokerConnection> {
    const address = this.#nodes.get(node);
    if (address === undefined) {
      return Promise.reject(new Error(`Broker ${node} is not in the cluster's metadata.`));
    }
    return this.connect(address, purpose);
  }

  /**
   * Metadata of `topic`, from the first broker that answers: the brokers the last metadata
   * named, then the bootstrap list. Fatal errors are thrown at once; transient ones only when
   * no broker answered.
   */
  async metadata(topic: string): Promise<TopicMetadata> {
    const addresses = [...this.#nodes.values(), ...this.#options.brokers.map(splitHostPort)];
    let lastError: unknown = new Error('No broker to ask for metadata.');
    for (const address of addresses) {
      try {
        const broker = await this.connect(address, 'admin');
        const metadata = await broker.connection.send(
          metadataRequest(broker.metadataVersion, topic),
        );
        this.#nodes.clear();
        for (const [node, at] of metadata.brokers) this.#nodes.set(node, at);
        return metadata;
      } catch (error) {
        if (isFatalError(error)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Closes the connections opened for `purpose`. */
  release(purpose: string): void {
    for (const [key, opened] of this.#connections) {
      if (!key.startsWith(`${purpose}@`)) continue;
      this.#connections.delete(key);
      opened.then(
        (broker) => broker.connection.close(),
        () => undefined,
      );
    }
  }

  close(): void {
    this.#closed = true;
    for (const opened of this.#connections.values()) {
      opened.then(
        (broker) => broker.connection.close(),
        () => undefined,
      );
    }
    this.#connections.clear();
  }
}
