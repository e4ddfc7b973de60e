import { readFileSync } from 'node:fs';
import { codecs, KafkaTable, KafkaTableWriter } from 'tablecast/server';

const secured = {
  brokers: ['kafka-1.example.com:9093'],
  ssl: { ca: readFileSync('ca.pem', 'utf8') }, // or `true` for the system's CAs; cert/key for mTLS
  sasl: {
    mechanism: 'scram-sha-512',
    username: 'tablecast',
    password: process.env.KAFKA_PASSWORD ?? '',
  },
} as const;
const flags = new KafkaTable({ ...secured, topic: 'flags', valueCodec: codecs.json() });
const writer = new KafkaTableWriter({ ...secured, topic: 'flags', valueCodec: codecs.json() });
await Promise.all([flags.start(), writer.start()]);
