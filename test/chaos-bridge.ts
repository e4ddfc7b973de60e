/**
 * A bridge in its own process, for test/chaos.test.ts: `--brokers --topic --port`. Prints a
 * line once listening. The test kills it with SIGKILL; it is never closed.
 */
import { codecs, createBridge, KafkaTable } from '../server/src/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!, process.argv[i + 1]!);
// To stderr, which the test keeps and prints only when it fails.
const log =
  (level: string) =>
  (message: string, details?: Record<string, unknown>): void => {
    process.stderr.write(
      `${new Date().toISOString()} ${level}: ${message}${details ? ` ${JSON.stringify(details)}` : ''}\n`,
    );
  };
const logger = { warn: log('warn'), error: log('error') };
const table = new KafkaTable({
  brokers: args.get('--brokers')!.split(','),
  topic: args.get('--topic')!,
  valueCodec: codecs.json(),
  ensureTopic: false,
  logger,
});
const bridge = createBridge({ tables: { t: table as KafkaTable<unknown> }, logger });
const { url } = await bridge.listen({ port: Number(args.get('--port') ?? 0) });
process.stdout.write(`${JSON.stringify({ url })}\n`);
