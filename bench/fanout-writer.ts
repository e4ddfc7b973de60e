import { performance } from 'node:perf_hooks';
import type { Producer } from 'kafkajs';
import { sleep } from './lib/lifecycle.js';

export interface PacedWriterOptions {
  readonly topic: string;
  /** Writes per second. */
  readonly rate: number;
  readonly keys: number;
  /** About how large each JSON value is. */
  readonly valueBytes: number;
  /** True once the run is being interrupted. */
  readonly aborting: () => boolean;
}

/**
 * The fan-out benchmark's load: `rate` writes/s over `keys` keys, paced in this process. What is
 * due every few milliseconds goes as one request, so the load source costs little CPU.
 */
export class PacedWriter {
  written = 0;
  acked = 0;
  writeErrors = 0;
  #writing = true;

  constructor(
    private readonly producer: Producer,
    private readonly options: PacedWriterOptions,
  ) {}

  /** Stops writing after the request in hand. */
  stop(): void {
    this.#writing = false;
  }

  /** Writes until stopped, interrupted or `maxSeconds` of writes were sent; then waits for acks. */
  async run(maxSeconds: number): Promise<void> {
    const { topic, rate, keys, valueBytes } = this.options;
    const pad = 'x'.repeat(Math.max(0, valueBytes - 24));
    const start = performance.now();
    const limit = Math.ceil(rate * maxSeconds);
    const inFlight = new Set<Promise<unknown>>();
    while (this.#writing && this.written < limit && !this.options.aborting()) {
      const due = Math.min(limit, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      const messages: Array<{ key: string; value: string }> = [];
      while (this.written < due && inFlight.size < 500) {
        const seq = this.written++;
        messages.push({ key: `k${seq % keys}`, value: JSON.stringify({ seq, pad }) });
      }
      if (messages.length > 0) {
        const p = this.producer.send({ topic, acks: -1, messages }).then(
          () => {
            this.acked += messages.length;
          },
          () => {
            this.writeErrors += messages.length;
          },
        );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await sleep(5);
    }
    await Promise.allSettled(inFlight);
  }
}
