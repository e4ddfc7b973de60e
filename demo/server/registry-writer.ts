import type { KafkaTableWriter } from '../../server/src/index.js';
import { baseLatency, type Service, type ServiceStatus } from '../data.js';

export interface RegistryWriterOptions {
  readonly writer: KafkaTableWriter<Service>;
  /** The registry as it is now; the writer keeps its own copy from here on. */
  readonly services: readonly Service[];
  /** Pause between two writes. Default 300 (a bit over three updates a second). */
  readonly intervalMs?: number;
  /** The writer ends by itself after this long. Default one hour. */
  readonly durationMs?: number;
  readonly random?: () => number;
  readonly onError?: (error: unknown) => void;
}

export interface RegistryWriter {
  /** Writes so far. */
  readonly updates: number;
  /** Resolves when the writer ended, by itself or through stop(). */
  readonly done: Promise<void>;
  /** Stops after the write in flight, if any. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Keeps the service registry moving like a real one: mostly latency jitter, now and then a
 * status flip (and a recovery), occasionally a deploy that bumps the version. One write at a
 * time, bounded in time, so a forgotten demo does not grow its topic forever.
 */
export function startRegistryWriter(options: RegistryWriterOptions): RegistryWriter {
  const intervalMs = options.intervalMs ?? 300;
  const deadline = Date.now() + (options.durationMs ?? 3_600_000);
  const random = options.random ?? Math.random;
  const model = new Map(options.services.map((s) => [s.name, s]));
  const names = [...model.keys()];
  let updates = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: () => void = () => {};

  const done = (async () => {
    while (!stopped && Date.now() < deadline && names.length > 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalMs * (0.5 + random()));
      });
      if (stopped) break;
      const name = names[Math.floor(random() * names.length)]!;
      const next = evolve(model.get(name)!, random);
      model.set(name, next);
      try {
        await options.writer.set(name, next);
        updates++;
      } catch (error) {
        options.onError?.(error);
      }
    }
  })();

  return {
    get updates() {
      return updates;
    },
    done,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake();
      await done;
    },
  };
}

/** One plausible change to a service. */
export function evolve(service: Service, random: () => number): Service {
  const roll = random();
  const now = Date.now();
  if (roll < 0.08) {
    return { ...service, version: bump(service.version, random), updatedAt: now };
  }
  if (roll < 0.22) {
    const status = nextStatus(service.status, random);
    return { ...service, status, latencyMs: jitter(baseLatency(status), random), updatedAt: now };
  }
  if (service.status === 'down') return { ...service, updatedAt: now };
  const centre = (service.latencyMs * 3 + baseLatency(service.status)) / 4;
  return { ...service, latencyMs: jitter(centre, random), updatedAt: now };
}

function nextStatus(status: ServiceStatus, random: () => number): ServiceStatus {
  // Unhealthy services recover quickly; healthy ones rarely go down outright.
  if (status !== 'healthy') return random() < 0.75 ? 'healthy' : 'degraded';
  return random() < 0.85 ? 'degraded' : 'down';
}

function jitter(centre: number, random: () => number): number {
  if (centre === 0) return 0;
  return Math.max(3, Math.round(centre * (0.7 + random() * 0.6)));
}

function bump(version: string, random: () => number): string {
  const [major = 1, minor = 0, patch = 0] = version.split('.').map((part) => Number(part) || 0);
  return random() < 0.25 ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
}
