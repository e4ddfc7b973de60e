import { codecs, createBridge, KafkaTable } from 'tablecast/server';

const brokers = ['127.0.0.1:9092'];
const bridge = createBridge({
  tables: {
    flags: new KafkaTable({ brokers, topic: 'flags', valueCodec: codecs.json() }),
    registry: new KafkaTable({ brokers, topic: 'services', valueCodec: codecs.json() }),
  },
  // true: every table; { tables }: only these; false: refused (401).
  authorize: ({ url, cookies }) =>
    url.searchParams.get('token') === 'secret' || cookies.role === 'admin'
      ? true
      : { tables: ['flags'] },
  allowedOrigins: ['https://app.example.com'],
});
const { url } = await bridge.listen({ port: 8080, host: '0.0.0.0' }); // starts the tables too
console.log(`bridge at ${url}`);
