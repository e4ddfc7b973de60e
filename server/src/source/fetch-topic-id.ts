import type { KafkaSecurityOptions } from '../kafka-security.js';
import { connectBroker, splitHostPort } from './wire/broker-connection.js';
import { metadataRequest } from './wire/metadata.js';

/**
 * Asks one broker for a topic's id (the UUID Kafka gives a topic at creation) with one Metadata
 * request of the wire client. kafkajs speaks an older Metadata version without ids, and the id
 * is what tells a recreated topic from the old one: offsets restart, so a client's old position
 * must not be trusted.
 *
 * Resolves undefined when the broker does not answer in time or predates topic ids.
 */
export async function fetchTopicId(
  broker: string,
  topic: string,
  security: KafkaSecurityOptions = {},
  timeoutMs = 5_000,
): Promise<string | undefined> {
  const { host, port } = splitHostPort(broker);
  try {
    const connection = await connectBroker(host, port, {
      ...security,
      clientId: 'tablecast',
      connectTimeoutMs: timeoutMs,
      requestTimeoutMs: timeoutMs,
    });
    try {
      const metadata = await connection.connection.send(
        metadataRequest(connection.metadataVersion, topic),
      );
      return metadata.topicId;
    } finally {
      connection.connection.close();
    }
  } catch {
    return undefined;
  }
}
