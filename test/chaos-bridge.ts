/**
 * A bridge in its own process, for test/chaos.test.ts: `--brokers --topic --port`. Prints a
 * line once listening. The test kills it with SIGKILL; it is never closed.
 */
import { codecs, createBridge, KafkaTable } from '../server/src/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!, process.argv[i + 1]!);
const quiet = { warn: () => {}, error: () => {} };
const table = new KafkaTable({
  brokers: args.get('--brokers')!.split(','),
  topic: args.get('--topic')!,
  valueCodec: codecs.json(),
  ensureTopic: false,
  logger: quiet,
});
const bridge = createBridge({ tables: { t: table as KafkaTable<unknown> }, logger: quiet });
const { url } = await bridge.listen({ port: Number(args.get('--port') ?? 0) });
process.stdout.write(`${JSON.stringify({ url })}\n`);
