import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { codecs, KafkaTableWriter } from '../server/src/index.js';
import type { BridgeStats, HostileSettings } from './hostile-settings.js';
import { sleep } from './lib/lifecycle.js';
import { distribution } from './lib/stats.js';
import type { Worker } from './lib/worker.js';

export type LatencyResult = Awaited<ReturnType<typeof latencyRun>>;

/** `clients` sockets subscribed to the latency keys; each delta's values carry the write time. */
function latencyClients(
  url: string,
  settings: HostileSettings,
  measured: (value: { t?: number }, now: number) => void,
): Promise<WebSocket[]> {
  return Promise.all(
    Array.from(
      { length: settings.clients },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, ['tablecast.v1']);
          ws.on('message', (data) => {
            const m = JSON.parse(String(data)) as {
              type: string;
              sets?: Array<[string, [{ t?: number }]]>;
            };
            if (m.type === 'snapshot-end') resolve(ws);
            if (m.type !== 'delta') return;
            const now = performance.now();
            for (const [, [value]] of m.sets ?? []) measured(value, now);
          });
          ws.on('open', () =>
            ws.send(
              JSON.stringify({
                type: 'subscribe',
                sub: 's',
                table: settings.table,
                filter: { prefix: 'lat-' },
              }),
            ),
          );
          ws.on('error', reject);
        }),
    ),
  );
}

/** K clients' write→delta latency while `flood` runs; values carry the write time. */
export async function latencyRun(
  bridge: Worker,
  url: string,
  brokers: string,
  topic: string,
  flood: (() => Promise<number>) | undefined,
  settings: HostileSettings,
) {
  const { durationMs, rate } = settings;
  const latencies: number[] = [];
  let measureFrom = Number.POSITIVE_INFINITY;
  const sockets = await latencyClients(url, settings, (value, now) => {
    if (typeof value.t === 'number' && value.t >= measureFrom) latencies.push(now - value.t);
  });
  const writer = new KafkaTableWriter<{ t: number }>({
    brokers: brokers.split(','),
    topic,
    valueCodec: codecs.json(),
  });
  await writer.start();
  await bridge.request<BridgeStats>({ type: 'stats' }, 'stats', 30_000); // resets the loop-delay histogram
  const flooding = (async () => {
    await sleep(1_000);
    return flood?.();
  })();
  // The first second warms the writer and the clients up (JIT, connections): not measured.
  const warmupMs = 1_000;
  const start = performance.now();
  setTimeout(() => {
    measureFrom = performance.now();
  }, warmupMs);
  for (let i = 0; performance.now() - start < durationMs + warmupMs; i++) {
    void writer.set(`lat-${i % 100}`, { t: performance.now() });
    const due = start + ((i + 1) * 1000) / rate;
    await sleep(Math.max(0, due - performance.now()));
  }
  await sleep(1_000);
  const floodSent = (await flooding) ?? 0;
  const loop = await bridge.request<BridgeStats>({ type: 'stats' }, 'stats', 30_000);
  await writer.stop();
  for (const ws of sockets) ws.close();
  return {
    ...distribution(latencies),
    count: latencies.length,
    floodMessagesSent: floodSent,
    bridgeLoopDelayP99Ms: loop.loopDelayP99Ms,
    bridgeLoopDelayMaxMs: loop.loopDelayMaxMs,
    bridgeCpuShare: loop.cpuShare,
  };
}
