import process from 'node:process';
import { codecs, KafkaTable, KafkaTableWriter } from 'tablecast/server';
import { z } from 'zod';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

await using flags = KafkaTable.json({
  brokers,
  topic: 'flags',
  schema: z.object({ enabled: z.boolean(), rollout: z.number() }),
});
await flags.start(); // resolves once caught up (or degraded after catchupTimeoutMs)

flags.get('new-checkout'); // { enabled: boolean; rollout: number } | undefined
flags.onChanges((changes) => {
  for (const c of changes) console.log(c.key, c.deleted ? 'deleted' : c.value, c.offset);
});

await using writer = new KafkaTableWriter({ brokers, topic: 'flags', valueCodec: codecs.json() });
await writer.start();
const written = await writer.set('new-checkout', { enabled: true, rollout: 0.1 });
console.log(await flags.waitFor(written, 5_000)); // true: the table now shows the write
