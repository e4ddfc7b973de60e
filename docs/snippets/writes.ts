import { createClient } from 'tablecast/client';
import { codecs, createBridge, KafkaTable, KafkaTableWriter } from 'tablecast/server';

// The bridge: the flags table is served writable, through its own writer (acks=all, idempotent).
const brokers = ['127.0.0.1:9092'];
const options = { brokers, topic: 'flags', valueCodec: codecs.json<boolean>() };
const bridge = createBridge({
  tables: { flags: new KafkaTable(options) },
  writers: { flags: new KafkaTableWriter(options) },
  // After the table's codec accepted the value: who may write what.
  authorizeWrite: ({ cookies }, write) => cookies.role === 'admin' || !write.key.startsWith('ops/'),
});
const { url } = await bridge.listen();

// The page: set() resolves once this handle's own map shows the write.
const flags = createClient({ url }).table<boolean>('flags');
const { partition, offset } = await flags.set('new-checkout', true);
console.log(flags.get('new-checkout'), partition, offset); // true 0 41
