import { describe, expect, it } from 'vitest';
import { codecs } from '../../shared/src/codecs/index.js';
import { KafkaTable } from './kafka-table.js';
import { KafkaTableWriter } from './kafka-table-writer.js';
import { Kafka } from './kafkajs.js';

describe('connection options', () => {
  it('take ssl and sasl with brokers, and refuse them beside an injected client', () => {
    const secured = {
      ssl: { ca: '-----BEGIN CERTIFICATE-----' },
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
    } as const;
    expect(
      () =>
        new KafkaTable({ brokers: ['k:9093'], topic: 't', valueCodec: codecs.json(), ...secured }),
    ).not.toThrow();
    const kafka = new Kafka({ brokers: ['k:9093'] });
    expect(
      () => new KafkaTable({ kafka, topic: 't', valueCodec: codecs.json(), ...secured }),
    ).toThrow(/ssl and sasl go with brokers/);
    expect(
      () => new KafkaTableWriter({ kafka, topic: 't', valueCodec: codecs.json(), ssl: true }),
    ).toThrow(/an injected kafka client brings its own security settings/);
  });
});
