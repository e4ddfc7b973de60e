import { createClient, stream } from 'tablecast/client';
import { createBridge, StreamTable } from 'tablecast/server';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
// Any topic (retention by time is fine): its last 50 records as rows, headers included.
const deploys = StreamTable.json({ brokers, topic: 'deploys', limit: 50, headers: true });
const { url } = await createBridge({ tables: { deploys } }).listen({ port: 8080 });
const feed = stream(createClient({ url }), 'deploys'); // React/Preact: useStream('deploys', { limit: 10 })
feed.subscribe(() => console.log(feed.rows.at(-1))); // { key, value, timestamp, partition, offset, headers }
